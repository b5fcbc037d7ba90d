package notify

import (
	"context"
	"errors"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"frontdoor/api/store"
)

// prefsRecord is a resident's Preferences as stored; its id is the
// resident's. A topic it lacks (one added since) takes its default.
type prefsRecord struct {
	store.Meta
	Topics    map[string][]string `json:"topics"`
	Areas     []string            `json:"areas"`
	UpdatedAt time.Time           `json:"updated_at"`
}

// memberRecord says a resident follows a topic in an area: what alerts
// stream. Only topics that have channels get one.
type memberRecord struct {
	store.Meta
	Topic    string `json:"topic"`
	Area     string `json:"area"`
	Resident string `json:"resident"`
}

// areaTopics are the topics that follow areas.
var areaTopics = []Topic{TopicCollectionReminders, TopicServiceAlerts}

var (
	districtPattern = regexp.MustCompile(`^[A-Z]{1,2}[0-9][0-9A-Z]?$`)
	// ONS ward codes: England E05, Wales W05, Scotland S13, Northern Ireland N08.
	wardPattern = regexp.MustCompile(`^(E05|W05|S13|N08)[0-9]{6}$`)
)

// NormalizeArea returns a UK postcode district ("pl4" -> "PL4") or an ONS
// ward code ("e05012345" -> "E05012345") in upper case, or false.
func NormalizeArea(s string) (string, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) > 9 || !districtPattern.MatchString(s) && !wardPattern.MatchString(s) {
		return "", false
	}
	return s, true
}

// Preferences returns the resident's preferences, or the defaults when they
// have saved none.
func (s *Service) Preferences(ctx context.Context, resident string) (Preferences, error) {
	if !validID(resident) {
		return Preferences{}, ErrBadResident
	}
	rec, err := s.prefs.Get(ctx, resident)
	if errors.Is(err, store.ErrNotFound) {
		return DefaultPreferences(), nil
	}
	if err != nil {
		return Preferences{}, err
	}
	return rec.preferences(), nil
}

func (r *prefsRecord) preferences() Preferences {
	p := DefaultPreferences()
	for _, t := range Topics {
		stored, ok := r.Topics[string(t)]
		if !ok {
			continue
		}
		list := []Channel{}
		for _, c := range stored {
			if slices.Contains(Channels, Channel(c)) {
				list = append(list, Channel(c))
			}
		}
		p.Topics[t] = list
	}
	p.Areas = append(p.Areas, r.Areas...)
	return p
}

// SetPreferences validates, normalizes and saves a resident's preferences,
// and returns them as saved. A topic left out keeps its default; an empty
// list turns a topic off. Bad input is a *ValidationError listing every
// problem with its JSON Pointer.
func (s *Service) SetPreferences(ctx context.Context, resident string, p Preferences) (Preferences, error) {
	if !validID(resident) {
		return Preferences{}, ErrBadResident
	}
	p, err := p.normalize()
	if err != nil {
		return Preferences{}, err
	}
	for range 10 {
		err = s.db.Tx(ctx, func(ctx context.Context) error { return s.savePreferences(ctx, resident, p) })
		if !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrDuplicate) {
			break
		}
	}
	if err != nil {
		return Preferences{}, err
	}
	return p, nil
}

// normalize checks p and returns it with every topic present, channels in
// the order of Channels and areas in upper case.
func (p Preferences) normalize() (Preferences, error) {
	var c checker
	out := DefaultPreferences()
	for _, t := range slices.Sorted(maps.Keys(p.Topics)) {
		ptr := "/topics/" + pointerToken(string(t))
		if !slices.Contains(Topics, t) {
			c.Add(ptr, MsgTopicUnknown)
			continue
		}
		out.Topics[t] = normalChannels(&c, ptr, p.Topics[t])
	}
	if len(p.Areas) > MaxAreas {
		c.AddCount("/areas", MsgTooMany, MaxAreas)
	}
	for i, a := range p.Areas {
		ptr := "/areas/" + strconv.Itoa(i)
		switch n, ok := NormalizeArea(a); {
		case !ok:
			c.Add(ptr, MsgAreaInvalid)
		case slices.Contains(out.Areas, n):
			c.Add(ptr, MsgDuplicate)
		default:
			out.Areas = append(out.Areas, n)
		}
	}
	return out, c.Err()
}

func normalChannels(c *checker, ptr string, chans []Channel) []Channel {
	seen := map[Channel]bool{}
	for i, ch := range chans {
		switch {
		case !slices.Contains(Channels, ch):
			c.Add(ptr+"/"+strconv.Itoa(i), MsgChannelUnkn)
		case seen[ch]:
			c.Add(ptr+"/"+strconv.Itoa(i), MsgDuplicate)
		}
		seen[ch] = true
	}
	out := []Channel{}
	for _, ch := range Channels {
		if seen[ch] {
			out = append(out, ch)
		}
	}
	return out
}

// savePreferences writes the record and brings the resident's area
// memberships in line with it, in ctx's transaction.
func (s *Service) savePreferences(ctx context.Context, resident string, p Preferences) error {
	rec := &prefsRecord{Meta: store.Meta{ID: resident}, Topics: map[string][]string{}, Areas: p.Areas, UpdatedAt: s.now()}
	for t, list := range p.Topics {
		rec.Topics[string(t)] = make([]string, 0, len(list))
		for _, c := range list {
			rec.Topics[string(t)] = append(rec.Topics[string(t)], string(c))
		}
	}
	old, err := s.prefs.Get(ctx, resident)
	switch {
	case errors.Is(err, store.ErrNotFound):
		err = s.prefs.Insert(ctx, rec)
	case err == nil:
		rec.Version = old.Version
		err = s.prefs.Replace(ctx, rec)
	}
	if err != nil {
		return err
	}
	return s.syncMembers(ctx, resident, p)
}

func (s *Service) syncMembers(ctx context.Context, resident string, p Preferences) error {
	want := map[string]memberRecord{}
	for _, t := range areaTopics {
		if len(p.Topics[t]) == 0 {
			continue
		}
		for _, a := range p.Areas {
			m := memberRecord{Meta: store.Meta{ID: hashID(string(t), a, resident)}, Topic: string(t), Area: a, Resident: resident}
			want[m.ID] = m
		}
	}
	page, err := s.members.Find(ctx, store.Query{Where: []store.Cond{store.Eq(fieldResident, resident)}, Limit: store.MaxLimit})
	if err != nil {
		return err
	}
	for _, m := range page.Items {
		if _, keep := want[m.ID]; keep {
			delete(want, m.ID)
			continue
		}
		if err := s.members.Delete(ctx, m.ID); err != nil {
			return err
		}
	}
	for _, id := range slices.Sorted(maps.Keys(want)) {
		m := want[id]
		if err := s.members.Insert(ctx, &m); err != nil {
			return err
		}
	}
	return nil
}
