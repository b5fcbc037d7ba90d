package catalogue

import (
	"slices"
	"strings"

	"frontdoor/api/auth"
)

// Limits of a service definition, in characters or entries.
const (
	maxName        = 120
	maxDescription = 1000
	maxStandard    = 1000
	maxRelated     = 10
	maxQuestions   = 40
	maxOptions     = 50
	maxLabel       = 200
	maxHint        = 500
	maxOptionLabel = 120
	maxTeamName    = 120

	maxTargetDays  = 365
	maxTargetHours = 2000
	maxEscalation  = 60

	// DefaultEscalationDays is how long after a stage-1 response a resident
	// may escalate a complaint, when the policy does not say.
	DefaultEscalationDays = 20
)

// Validate checks the whole definition and normalizes it in place (texts
// trimmed and in NFC, empty translations dropped, escalation days filled
// in). Pointers name fields of the service's JSON. What needs the store
// (the team and related services exist) is Catalogue.PutService's check.
func (s *Service) Validate() error {
	var c checker
	if !validKey(s.Code) {
		c.Add("/code", MsgCodeInvalid)
	}
	c.localized("/name", s.Name, maxName, true, false)
	c.localized("/description", s.Description, maxDescription, true, true)
	if !validKey(s.Group) {
		c.Add("/group", MsgKeyInvalid)
	}
	if !s.Tier.valid() {
		c.Add("/tier", MsgNotAllowed)
	}
	c.channels(s.Channels)
	if !validKey(s.Team) {
		c.Add("/team", MsgTeamInvalid)
	}
	c.standard(&s.Standard)
	c.related(s.Code, s.Related)
	c.form(&s.Form)
	if s.Complaint != nil {
		c.complaint(s.Complaint)
	}
	return c.Err()
}

func (t Tier) valid() bool { return t == TierSimple || t == TierAssisted || t == TierComplex }

func (u Unit) valid() bool { return u == UnitWorkingDays || u == UnitHours }

func (c *checker) channels(chs []string) {
	if len(chs) == 0 {
		c.Add("/channels", MsgRequired)
		return
	}
	if len(chs) > len(AllChannels) {
		c.AddCount("/channels", MsgTooMany, len(AllChannels))
		return
	}
	for i, ch := range chs {
		switch {
		case !slices.Contains(AllChannels, ch):
			c.Add(at("/channels", i), MsgNotAllowed)
		case slices.Contains(chs[:i], ch):
			c.Add(at("/channels", i), MsgDuplicate)
		}
	}
}

// target checks a service standard's target for its unit.
func (c *checker) target(p string, n int, unit Unit, unitPtr string) {
	switch unit {
	case UnitWorkingDays:
		c.intRange(p, n, 1, maxTargetDays)
	case UnitHours:
		c.intRange(p, n, 1, maxTargetHours)
	default:
		c.Add(unitPtr, MsgNotAllowed)
	}
}

func (c *checker) standard(st *Standard) {
	c.target("/standard/target", st.Target, st.Unit, "/standard/unit")
	c.localized("/standard/we_will", st.WeWill, maxStandard, true, true)
	c.localized("/standard/we_ask", st.WeAsk, maxStandard, true, true)
}

func (c *checker) related(self string, codes []string) {
	if len(codes) > maxRelated {
		c.AddCount("/related", MsgTooMany, maxRelated)
		return
	}
	for i, code := range codes {
		switch {
		case !validKey(code):
			c.Add(at("/related", i), MsgCodeInvalid)
		case code == self:
			c.Add(at("/related", i), MsgNotAllowed)
		case slices.Contains(codes[:i], code):
			c.Add(at("/related", i), MsgDuplicate)
		}
	}
}

func (c *checker) complaint(cp *Complaint) {
	if !validKey(cp.Stage2Team) {
		c.Add("/complaint/stage2_team", MsgTeamInvalid)
	}
	c.target("/complaint/stage2_target", cp.Stage2Target, cp.Stage2Unit, "/complaint/stage2_unit")
	if cp.EscalationDays == 0 {
		cp.EscalationDays = DefaultEscalationDays
	}
	c.intRange("/complaint/escalation_days", cp.EscalationDays, 1, maxEscalation)
}

// Validate checks a team and normalizes it in place: the key trimmed and
// lower-cased as typed, the name cleaned, the email in its usual form.
func (t *Team) Validate() error {
	var c checker
	t.Key = strings.ToLower(strings.TrimSpace(t.Key))
	if !validKey(t.Key) {
		c.Add("/key", MsgTeamInvalid)
	}
	if t.Name == nil {
		t.Name = Text{}
	}
	c.localized("/name", t.Name, maxTeamName, true, false)
	if t.Email != "" {
		if e, ok := auth.NormalizeEmail(t.Email); ok {
			t.Email = e
		} else {
			c.Add("/email", MsgEmailInvalid)
		}
	}
	return c.Err()
}
