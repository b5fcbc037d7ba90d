package catalogue

import (
	"fmt"
	"strings"
	"testing"
)

// TestServiceValidateRefusesEachBadField: every rule of a definition, one
// broken field at a time, names its own pointer and message.
func TestServiceValidateRefusesEachBadField(t *testing.T) {
	q := func(s *Service, i int) *Question { return &s.Form.Questions[i] }
	tests := []struct {
		name   string
		change func(s *Service)
		ptr    string
		id     string
	}{
		{"code with spaces", func(s *Service) { s.Code = "Missed Bin" }, "/code", MsgCodeInvalid},
		{"code with a leading hyphen", func(s *Service) { s.Code = "-bin" }, "/code", MsgCodeInvalid},
		{"code too long", func(s *Service) { s.Code = strings.Repeat("a", 41) }, "/code", MsgCodeInvalid},
		{"name without English", func(s *Service) { s.Name = Text{"cy": "Biniau"} }, "/name/en", MsgRequired},
		{"name only spaces", func(s *Service) { s.Name = en("   ") }, "/name/en", MsgRequired},
		{"name in an unknown language", func(s *Service) { s.Name["fr"] = "Poubelle" }, "/name/fr", MsgLanguageUnknown},
		{"name too long", func(s *Service) { s.Name["cy"] = strings.Repeat("é", 121) }, "/name/cy", MsgTooLong},
		{"name with a control character", func(s *Service) { s.Name["en"] = "Bins\x00" }, "/name/en", MsgTextInvalid},
		{"name with a line break", func(s *Service) { s.Name["en"] = "Bins\nnow" }, "/name/en", MsgTextInvalid},
		{"description missing", func(s *Service) { s.Description = nil }, "/description/en", MsgRequired},
		{"description too long", func(s *Service) { s.Description = en(strings.Repeat("x", 1001)) }, "/description/en", MsgTooLong},
		{"group not a key", func(s *Service) { s.Group = "Waste & Recycling" }, "/group", MsgKeyInvalid},
		{"unknown tier", func(s *Service) { s.Tier = "easy" }, "/tier", MsgNotAllowed},
		{"no channels", func(s *Service) { s.Channels = nil }, "/channels", MsgRequired},
		{"unknown channel", func(s *Service) { s.Channels = []string{"web", "fax"} }, "/channels/1", MsgNotAllowed},
		{"channel twice", func(s *Service) { s.Channels = []string{"web", "web"} }, "/channels/1", MsgDuplicate},
		{"team not a key", func(s *Service) { s.Team = "Waste Team" }, "/team", MsgTeamInvalid},
		{"target zero", func(s *Service) { s.Standard.Target = 0 }, "/standard/target", MsgNumberRange},
		{"target over a year", func(s *Service) { s.Standard.Target = 366 }, "/standard/target", MsgNumberRange},
		{"target too many hours", func(s *Service) { s.Standard.Target, s.Standard.Unit = 2001, UnitHours }, "/standard/target", MsgNumberRange},
		{"unknown unit", func(s *Service) { s.Standard.Unit = "weeks" }, "/standard/unit", MsgNotAllowed},
		{"we_will without English", func(s *Service) { s.Standard.WeWill = Text{"pl": "Zrobimy"} }, "/standard/we_will/en", MsgRequired},
		{"we_ask missing", func(s *Service) { s.Standard.WeAsk = nil }, "/standard/we_ask/en", MsgRequired},
		{"too many related", func(s *Service) { s.Related = strings.Split("a b c d e f g h i j k", " ") }, "/related", MsgTooMany},
		{"related to itself", func(s *Service) { s.Related = []string{s.Code} }, "/related/0", MsgNotAllowed},
		{"related twice", func(s *Service) { s.Related = []string{"other", "other"} }, "/related/1", MsgDuplicate},
		{"related not a code", func(s *Service) { s.Related = []string{"Other!"} }, "/related/0", MsgCodeInvalid},
		{"too many questions", func(s *Service) {
			for i := range 41 {
				s.Form.Questions = append(s.Form.Questions, Question{ID: fmt.Sprint("q", i), Type: TypeText, Label: en("Q")})
			}
		}, "/form/questions", MsgTooMany},
		{"question id not a key", func(s *Service) { q(s, 1).ID = "Bin Type" }, "/form/questions/1/id", MsgKeyInvalid},
		{"question id twice", func(s *Service) { q(s, 6).ID = "kind" }, "/form/questions/6/id", MsgDuplicate},
		{"unknown question type", func(s *Service) { q(s, 0).Type = "slider" }, "/form/questions/0/type", MsgNotAllowed},
		{"label without English", func(s *Service) { q(s, 0).Label = Text{"cy": "Ble?"} }, "/form/questions/0/label/en", MsgRequired},
		{"hint too long", func(s *Service) { q(s, 0).Hint = en(strings.Repeat("h", 501)) }, "/form/questions/0/hint/en", MsgTooLong},
		{"choice without options", func(s *Service) { q(s, 1).Options = nil }, "/form/questions/1/options", MsgRequired},
		{"choice with 51 options", func(s *Service) {
			for i := range 49 {
				q(s, 1).Options = append(q(s, 1).Options, Option{Value: fmt.Sprint("v", i), Label: en("V")})
			}
		}, "/form/questions/1/options", MsgTooMany},
		{"option value twice", func(s *Service) { q(s, 1).Options[1].Value = "a" }, "/form/questions/1/options/1/value", MsgDuplicate},
		{"option value not a key", func(s *Service) { q(s, 1).Options[0].Value = "A B" }, "/form/questions/1/options/0/value", MsgKeyInvalid},
		{"option without a label", func(s *Service) { q(s, 1).Options[0].Label = nil }, "/form/questions/1/options/0/label/en", MsgRequired},
		{"options on a text question", func(s *Service) { q(s, 3).Options = []Option{{Value: "x", Label: en("X")}} }, "/form/questions/3/options", MsgNotAllowed},
		{"show_if on a later question", func(s *Service) { q(s, 1).ShowIf = &ShowIf{Question: "private", Equals: "true"} }, "/form/questions/1/show_if/question", MsgShowIfInvalid},
		{"show_if on itself", func(s *Service) { q(s, 2).ShowIf = &ShowIf{Question: "private", Equals: "true"} }, "/form/questions/2/show_if/question", MsgShowIfInvalid},
		{"show_if on a text question", func(s *Service) { q(s, 4).ShowIf = &ShowIf{Question: "owner", Equals: "x"} }, "/form/questions/4/show_if/question", MsgShowIfInvalid},
		{"show_if on no question", func(s *Service) { q(s, 4).ShowIf = &ShowIf{Question: "nope", Equals: "a"} }, "/form/questions/4/show_if/question", MsgShowIfInvalid},
		{"show_if on a value a choice lacks", func(s *Service) { q(s, 4).ShowIf = &ShowIf{Question: "kind", Equals: "c"} }, "/form/questions/4/show_if/equals", MsgNotAllowed},
		{"show_if yes/no written as yes", func(s *Service) { q(s, 3).ShowIf.Equals = "yes" }, "/form/questions/3/show_if/equals", MsgNotAllowed},
		{"text longer than 1000", func(s *Service) { q(s, 3).MaxLength = 1001 }, "/form/questions/3/max_length", MsgNumberRange},
		{"textarea longer than 10000", func(s *Service) { q(s, 6).MaxLength = 10001 }, "/form/questions/6/max_length", MsgNumberRange},
		{"negative max_length", func(s *Service) { q(s, 6).MaxLength = -1 }, "/form/questions/6/max_length", MsgNumberRange},
		{"six photos", func(s *Service) { q(s, 8).MaxLength = 6 }, "/form/questions/8/max_length", MsgNumberRange},
		{"max_length on a number", func(s *Service) { q(s, 4).MaxLength = 3 }, "/form/questions/4/max_length", MsgNotAllowed},
		{"min above max", func(s *Service) { q(s, 4).Min = ptrTo(11) }, "/form/questions/4/max", MsgMinAboveMax},
		{"min on a text question", func(s *Service) { q(s, 3).Min = ptrTo(1) }, "/form/questions/3/min", MsgNotAllowed},
		{"complaint reviewers not a key", func(s *Service) {
			s.Complaint = &Complaint{Stage2Team: "Reviewers", Stage2Target: 20, Stage2Unit: UnitWorkingDays}
		}, "/complaint/stage2_team", MsgTeamInvalid},
		{"complaint stage 2 unit unknown", func(s *Service) {
			s.Complaint = &Complaint{Stage2Team: "review", Stage2Target: 20, Stage2Unit: "months"}
		}, "/complaint/stage2_unit", MsgNotAllowed},
		{"complaint stage 2 target zero", func(s *Service) { s.Complaint = &Complaint{Stage2Team: "review", Stage2Unit: UnitWorkingDays} }, "/complaint/stage2_target", MsgNumberRange},
		{"escalation after 60 days", func(s *Service) {
			s.Complaint = &Complaint{Stage2Team: "review", Stage2Target: 20, Stage2Unit: UnitWorkingDays, EscalationDays: 61}
		}, "/complaint/escalation_days", MsgNumberRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testService("fly-tipping")
			tt.change(&s)
			got := fieldsOf(t, s.Validate())
			if got[tt.ptr] != tt.id || len(got) != 1 {
				t.Errorf("errors %v; want only %s at %s", got, tt.id, tt.ptr)
			}
		})
	}
}

func TestServiceValidateReportsEveryProblemAtOnce(t *testing.T) {
	s := testService("Bad Code")
	s.Tier = "easy"
	s.Form.Questions[1].Options = nil
	s.Standard.Target = 0
	got := fieldsOf(t, s.Validate())
	want := map[string]string{
		"/code": MsgCodeInvalid, "/tier": MsgNotAllowed,
		"/form/questions/1/options": MsgRequired, "/standard/target": MsgNumberRange,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("errors %v, want %v", got, want)
	}
}

func TestServiceValidateNamesLimitsAndNormalizes(t *testing.T) {
	s := testService("fly-tipping")
	s.Name = Text{"en": "  Cafe\u0301 bins  ", "pl": "   "}
	s.Form.Questions[0].Hint = Text{"cy": " "}
	s.Complaint = &Complaint{Stage2Team: "review", Stage2Target: 500, Stage2Unit: UnitHours}
	if err := s.Validate(); err != nil {
		t.Fatalf("valid service refused: %v", err)
	}
	if s.Name["en"] != "Caf\u00e9 bins" {
		t.Errorf("name not trimmed and composed: %q", s.Name["en"])
	}
	if _, ok := s.Name["pl"]; ok {
		t.Error("an empty translation was kept; it would hide the English fallback")
	}
	if s.Form.Questions[0].Hint != nil {
		t.Errorf("an empty hint was kept: %v", s.Form.Questions[0].Hint)
	}
	if s.Complaint.EscalationDays != DefaultEscalationDays {
		t.Errorf("escalation days %d, want the default %d", s.Complaint.EscalationDays, DefaultEscalationDays)
	}

	s = testService("fly-tipping")
	s.Standard.Target = 400
	var ve *ValidationError
	if err := s.Validate(); !asValidation(err, &ve) || ve.Fields[0].Data["Min"] != "1" || ve.Fields[0].Data["Max"] != "365" {
		t.Errorf("target error should name 1 and 365: %+v", ve)
	}
	s = testService("fly-tipping")
	s.Name["en"] = strings.Repeat("n", 121)
	if err := s.Validate(); !asValidation(err, &ve) || ve.Fields[0].Data["Count"] != 120 {
		t.Errorf("name error should name 120 characters: %+v", ve)
	}
	if !strings.Contains(ve.Error(), "/name/en FieldTooLong") || strings.Contains(ve.Error(), "nnn") {
		t.Errorf("error text %q should name the pointer and id only", ve.Error())
	}
}

func asValidation(err error, ve **ValidationError) bool {
	v, ok := err.(*ValidationError)
	*ve = v
	return ok && len(v.Fields) > 0
}

func TestTeamValidate(t *testing.T) {
	tm := Team{Key: "  Street-Scene ", Name: Text{"en": " Street Scene "}, Email: "Streets@Plymouth.gov.uk"}
	if err := tm.Validate(); err != nil {
		t.Fatalf("valid team refused: %v", err)
	}
	if tm.Key != "street-scene" || tm.Name["en"] != "Street Scene" || tm.Email != "streets@plymouth.gov.uk" {
		t.Errorf("team not normalized: %+v", tm)
	}
	bad := Team{Key: "street scene", Name: Text{"xx": "?"}, Email: "not an email"}
	got := fieldsOf(t, bad.Validate())
	want := map[string]string{"/key": MsgTeamInvalid, "/name/xx": MsgLanguageUnknown, "/name/en": MsgRequired, "/email": MsgEmailInvalid}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("errors %v, want %v", got, want)
	}
}
