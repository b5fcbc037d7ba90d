package catalogue

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"frontdoor/locales"
)

func defaults(tb testing.TB) ([]Team, []Service) {
	tb.Helper()
	b, err := locales.Bundle()
	if err != nil {
		tb.Fatal(err)
	}
	localize := func(lang, id string) string { return locales.Localize(b, lang, id, nil) }
	return Defaults(localize, Languages)
}

func TestDefaultsAreValidAndComplete(t *testing.T) {
	teams, services := defaults(t)
	if len(services) < 22 {
		t.Errorf("%d services; the demo council offers at least 22", len(services))
	}
	teamKeys := map[string]bool{}
	for _, tm := range teams {
		if err := tm.Validate(); err != nil {
			t.Errorf("team %s: %v", tm.Key, err)
		}
		teamKeys[tm.Key] = true
	}
	codes := map[string]bool{}
	for _, s := range services {
		codes[s.Code] = true
	}
	used := map[string]bool{}
	for _, s := range services {
		if err := s.Validate(); err != nil {
			t.Errorf("service %s: %v", s.Code, err)
		}
		used[s.Team] = true
		if !teamKeys[s.Team] {
			t.Errorf("service %s: team %q is not a default team", s.Code, s.Team)
		}
		if s.Complaint != nil {
			used[s.Complaint.Stage2Team] = true
			if !teamKeys[s.Complaint.Stage2Team] {
				t.Errorf("service %s: stage-2 team %q is not a default team", s.Code, s.Complaint.Stage2Team)
			}
		}
		for _, r := range s.Related {
			if !codes[r] {
				t.Errorf("service %s: related %q is not a default service", s.Code, r)
			}
		}
	}
	for key := range teamKeys {
		if !used[key] {
			t.Errorf("team %s owns no service", key)
		}
	}
	for _, code := range []string{"missed-bin", "bulky-waste", "fly-tipping", "graffiti", "dog-fouling", "pothole",
		"street-light", "grass-cutting", "hedge-cutting", "abandoned-vehicle", "noise", "parking-permit",
		"council-tax-change", "housing-repair", "blue-badge", "complaint", "compliment", "councillor-enquiry",
		"council-tax-support", "housing-benefit", "free-school-meals"} {
		if !codes[code] {
			t.Errorf("the default catalogue lacks %s", code)
		}
	}
}

// TestDefaultsSpeakEveryLanguage: every word of every service and team
// resolves in all four languages, and the translations are not English
// standing in (go-i18n falls back to English for a missing message).
func TestDefaultsSpeakEveryLanguage(t *testing.T) {
	teams, services := defaults(t)
	check := func(where string, tx Text) {
		t.Helper()
		for _, lang := range Languages {
			s := tx[lang]
			switch {
			case s == "" || strings.HasPrefix(s, "Catalogue_"):
				t.Errorf("%s: no %s text (%q)", where, lang, s)
			case lang != "en" && s == tx["en"]:
				t.Errorf("%s: the %s text is the English %q", where, lang, s)
			}
		}
	}
	for _, tm := range teams {
		check("team "+tm.Key, tm.Name)
	}
	for _, s := range services {
		check(s.Code+" name", s.Name)
		check(s.Code+" description", s.Description)
		check(s.Code+" we_will", s.Standard.WeWill)
		check(s.Code+" we_ask", s.Standard.WeAsk)
		for _, q := range s.Form.Questions {
			check(s.Code+" "+q.ID+" label", q.Label)
			if q.Hint != nil {
				check(s.Code+" "+q.ID+" hint", q.Hint)
			}
			for _, o := range q.Options {
				check(s.Code+" "+q.ID+" option "+o.Value, o.Label)
			}
		}
	}
	byCode := serviceMap(services)
	if got := byCode["missed-bin"].View("cy").Name; got != "Rhoi gwybod am fin heb ei gasglu" {
		t.Errorf("Welsh missed-bin name %q", got)
	}
	if got := byCode["pothole"].View("ar").Form.Questions[0].Label; got != "أين يقع؟" {
		t.Errorf("Arabic location label %q", got)
	}
}

func TestDefaultsLeaveMissingTranslationsOut(t *testing.T) {
	localize := func(lang, id string) string {
		if lang == "pl" {
			return id // how locales.Localize reports a missing message
		}
		return lang + ":" + id
	}
	teams, services := Defaults(localize, []string{"cy", "pl"}) // English is always looked up
	if got := teams[0].Name; got["en"] != "en:Catalogue_team_waste_name" || got["cy"] == "" || got["pl"] != "" || len(got) != 2 {
		t.Errorf("team name %v; want en and cy only", got)
	}
	if got := services[0].Form.Questions[0].Label; len(got) != 2 || got["en"] != "en:Catalogue_common_q_location_label" {
		t.Errorf("shared question label %v", got)
	}
}

func serviceMap(services []Service) map[string]*Service {
	m := map[string]*Service{}
	for i := range services {
		m[services[i].Code] = &services[i]
	}
	return m
}

var (
	streetCodes   = []string{"fly-tipping", "graffiti", "dog-fouling", "pothole", "street-light", "grass-cutting", "hedge-cutting", "abandoned-vehicle"}
	personalCodes = []string{"council-tax-change", "council-tax-support", "housing-benefit", "free-school-meals", "housing-repair", "blue-badge", "complaint"}
)

func TestDefaultsStructure(t *testing.T) {
	_, services := defaults(t)
	byCode := serviceMap(services)
	for _, code := range streetCodes {
		s := byCode[code]
		loc, photos := questionOf(s, "location"), questionOf(s, "photos")
		if !s.Anonymous || !slices.Equal(s.Channels, AllChannels) || s.Tier != TierSimple {
			t.Errorf("%s: anonymous %v, channels %v, tier %s; a street report is simple, anonymous, on every channel", code, s.Anonymous, s.Channels, s.Tier)
		}
		if loc == nil || loc.Type != TypePoint || !loc.Required || photos == nil || photos.Type != TypePhoto || photos.Required {
			t.Errorf("%s: want a required point 'location' and optional 'photos'", code)
		}
	}
	for _, code := range personalCodes {
		s := byCode[code]
		if s.Anonymous || slices.Contains(s.Channels, ChannelOpen311) {
			t.Errorf("%s: anonymous %v, channels %v; a personal service is neither anonymous nor on Open311", code, s.Anonymous, s.Channels)
		}
	}
	for code, want := range map[string][]string{
		"council-tax-support": {"housing-benefit", "free-school-meals"},
		"housing-benefit":     {"council-tax-support", "free-school-meals"},
		"free-school-meals":   {"council-tax-support", "housing-benefit"},
		"grass-cutting":       {"hedge-cutting"},
		"hedge-cutting":       {"grass-cutting"},
	} {
		if got := byCode[code].Related; !slices.Equal(got, want) {
			t.Errorf("%s related %v, want %v", code, got, want)
		}
	}
	for code, tier := range map[string]Tier{"blue-badge": TierAssisted, "housing-benefit": TierAssisted, "housing-repair": TierComplex, "complaint": TierComplex} {
		if byCode[code].Tier != tier {
			t.Errorf("%s tier %s, want %s", code, byCode[code].Tier, tier)
		}
	}
	c := byCode["complaint"]
	if p := c.Complaint; p == nil || p.Stage2Team != "complaints-review" || p.Stage2Target != 20 || p.Stage2Unit != UnitWorkingDays || p.EscalationDays != 20 {
		t.Errorf("complaint policy %+v", c.Complaint)
	}
	if c.Standard.Target != 10 || c.Standard.Unit != UnitWorkingDays {
		t.Errorf("complaint stage 1 standard %d %s, want 10 working days", c.Standard.Target, c.Standard.Unit)
	}
	if landowner := questionOf(byCode["fly-tipping"], "landowner-known"); landowner.ShowIf == nil || *landowner.ShowIf != (ShowIf{"private-land", "true"}) {
		t.Errorf("fly-tipping landowner question is not conditional: %+v", landowner)
	}
}

func questionOf(s *Service, id string) *Question {
	for i := range s.Form.Questions {
		if s.Form.Questions[i].ID == id {
			return &s.Form.Questions[i]
		}
	}
	return nil
}

// TestDefaultsSeedAndAnswer: the default catalogue loads into a store, and
// a street report made from its form is accepted in Plymouth.
func TestDefaultsSeedAndAnswer(t *testing.T) {
	c, _ := newTestCatalogue(t)
	teams, services := defaults(t)
	if err := c.Seed(ctx, teams, services); err != nil {
		t.Fatalf("seed defaults: %v", err)
	}
	if err := c.Seed(ctx, teams, services); err != nil {
		t.Fatalf("seed defaults again: %v", err)
	}
	list, err := c.Services(ctx, false)
	if err != nil || len(list) != len(services) {
		t.Fatalf("%d services after seeding twice, want %d (%v)", len(list), len(services), err)
	}
	if stored, _ := c.Teams(ctx); len(stored) != len(teams) {
		t.Errorf("%d teams stored, want %d", len(stored), len(teams))
	}
	grass, err := c.Service(ctx, "grass-cutting")
	if err != nil {
		t.Fatal(err)
	}
	v := grass.View("pl")
	if v.Name != "Zgłoś potrzebę koszenia trawy" || v.Form.Version != 1 || len(v.Related) != 1 || v.Standard.WeWill == "" {
		t.Errorf("Polish view %+v", v)
	}
	if got := questionOf(grass, "details").MaxLen(); got != 2000 {
		t.Errorf("details max length %d", got)
	}
	_, errs := grass.Form.Check(rawAnswers(t, `{"location": {"lat": 50.4166, "lng": -4.1131}, "area-type": "verge", "photos": ["p1"]}`), Plymouth, "/items/0/answers", testNow)
	if len(errs) > 0 {
		t.Errorf("a good grass-cutting report refused: %v", errs)
	}
}

func rawAnswers(tb testing.TB, body string) map[string]json.RawMessage {
	tb.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		tb.Fatalf("test answers %s: %v", body, err)
	}
	return raw
}
