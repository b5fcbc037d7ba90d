package notify

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// sampleEvent is a realistic event of kind, with every datum it needs.
func sampleEvent(kind string) Event {
	ev := Event{Key: "sample", Kind: kind, To: Recipient{Resident: "r1"},
		URL: "https://frontdoor.plymouth.gov.uk/track?ref=K7M-Q2X-9PT", Texts: map[string]string{}}
	ev.Data = map[string]any{}
	for _, k := range kindData[kind] {
		switch k {
		case "Reference":
			ev.Data[k] = "K7M-Q2X-9PT"
		case "Service":
			ev.Data[k] = "Missed bin collection"
		case "Update":
			ev.Data[k] = "Our crew will come back tomorrow morning."
		case "Status":
			ev.Texts[k] = "CaseStatus_in_progress"
		case "Deadline":
			ev.Data[k] = "2026-09-14"
		case "Count":
			ev.Data[k] = 2
		case "Total":
			ev.Data[k] = 5
		case "Title":
			ev.Data[k] = "Collections in PL4 are a day late"
		case "Body":
			ev.Data[k] = "Bins due on Monday will be emptied on Tuesday."
		case "Area":
			ev.Data[k] = "PL4"
		}
	}
	return ev
}

// kinds lists every kind in a stable order.
func kinds() []string {
	var out []string
	for k := range Kinds {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// roundTrip passes ev through JSON, as a job's payload does.
func roundTrip(t *testing.T, ev Event) Event {
	t.Helper()
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var out Event
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEveryKindRendersInEveryLanguage(t *testing.T) {
	s := &Service{opts: Options{Localize: localize()}}
	for _, kind := range kinds() {
		ev := sampleEvent(kind)
		if err := checkNeeds(ev); err != nil {
			t.Fatalf("%s sample: %v", kind, err)
		}
		ev = roundTrip(t, ev)
		en := s.render("en", ev, true)
		for _, lang := range Languages {
			r := s.render(lang, ev, true)
			for part, text := range map[string]string{"title": r.Title, "body": r.Body, "sms": r.SMS, "push": r.Push} {
				if text == "" || strings.Contains(text, "<no value>") || strings.Contains(text, "Notify_") ||
					strings.Contains(text, "{{") || strings.Contains(text, "%!") {
					t.Errorf("%s %s %s: %q", lang, kind, part, text)
				}
			}
			if lang != "en" && r.Body == en.Body {
				t.Errorf("%s %s body is the English one", lang, kind)
			}
			if strings.Contains(r.Title, "\n") {
				t.Errorf("%s %s title has a line break", lang, kind)
			}
		}
	}
}

// gsm7 is the GSM 03.38 basic character set; ext characters take two.
const (
	gsm7    = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsm7Ext = "^{}\\[~]|€\f"
)

// septets is the length of s in one GSM-7 text message, or -1 when s
// needs UCS-2 (70 characters a message).
func septets(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case strings.ContainsRune(gsm7, r):
			n++
		case strings.ContainsRune(gsm7Ext, r):
			n += 2
		default:
			return -1
		}
	}
	return n
}

func TestEnglishSMSFitsOneMessage(t *testing.T) {
	s := &Service{opts: Options{Localize: localize()}}
	type size struct {
		chars, parts int
		kind, enc    string
	}
	longest := map[string]size{}
	for _, kind := range kinds() {
		ev := roundTrip(t, sampleEvent(kind))
		sms := s.render("en", ev, true).SMS
		if n := septets(sms); n < 0 || n > 160 {
			t.Errorf("en %s SMS is %d GSM-7 characters (-1: not GSM-7): %q", kind, n, sms)
		}
		for _, lang := range Languages {
			tr := s.render(lang, ev, true).SMS
			sz := size{chars: septets(tr), kind: kind, enc: "GSM-7"}
			per := 160
			if sz.chars < 0 {
				sz.chars, sz.enc, per = utf8.RuneCountInString(tr), "UCS-2", 70
			}
			if sz.parts = (sz.chars + per - 1) / per; sz.parts > 3 {
				t.Errorf("%s %s SMS takes %d messages: %q", lang, kind, sz.parts, tr)
			}
			if sz.chars > longest[lang].chars {
				longest[lang] = sz
			}
		}
	}
	for _, lang := range Languages {
		l := longest[lang]
		t.Logf("%s: longest SMS %s, %d characters %s, %d message(s)", lang, l.kind, l.chars, l.enc, l.parts)
	}
}

func TestDatesCountsAndTexts(t *testing.T) {
	s := &Service{opts: Options{Localize: localize()}}
	ev := roundTrip(t, sampleEvent(KindComplaintResponse))
	for lang, want := range map[string]string{"en": "14 September 2026", "cy": "14 Medi 2026", "pl": "14 września 2026 r.", "ar": "14 سبتمبر 2026"} {
		if got := s.render(lang, ev, true).SMS; !strings.Contains(got, want) {
			t.Errorf("%s deadline: %q, want %q in it", lang, got, want)
		}
	}
	// A time keeps the date of its own zone: late on the 14th in London.
	late := sampleEvent(KindComplaintResponse)
	late.Data["Deadline"] = time.Date(2026, 9, 14, 23, 30, 0, 0, time.FixedZone("BST", 3600))
	if got := s.render("en", roundTrip(t, late), true).Push; !strings.Contains(got, "14 September 2026") {
		t.Errorf("deadline as a time: %q", got)
	}
	counts := map[string]map[int]string{
		"en": {1: "1 service about", 2: "2 services about"},
		"pl": {1: "do 1 usługi.", 2: "do 2 usług.", 5: "do 5 usług.", 22: "do 22 usług."},
		"ar": {2: "2 خدمتين", 3: "3 خدمات", 11: "11 خدمةً", 100: "100 خدمة"},
		"cy": {2: "2 gwasanaeth"},
	}
	for lang, byCount := range counts {
		for n, want := range byCount {
			ev := sampleEvent(KindTUOFailed)
			ev.Data["Count"] = n
			if got := s.render(lang, roundTrip(t, ev), true).SMS; !strings.Contains(got, want) {
				t.Errorf("%s count %d: %q, want %q in it", lang, n, got, want)
			}
		}
	}
	status := roundTrip(t, sampleEvent(KindCaseStatus))
	if got := s.render("en", status, true).Title; got != "Your request K7M-Q2X-9PT: "+localize()("en", "CaseStatus_in_progress", nil) {
		t.Errorf("status title %q", got)
	}
	if cy, en := s.render("cy", status, true).Push, s.render("en", status, true).Push; cy == en {
		t.Errorf("status not translated: %q", cy)
	}
}

func TestPushBodyIsShort(t *testing.T) {
	s := &Service{opts: Options{Localize: localize()}}
	ev := sampleEvent(KindCaseUpdate)
	ev.Data["Update"] = strings.Repeat("A long update from staff. ", 40)
	r := s.render("en", ev, true)
	if n := utf8.RuneCountInString(r.Push); n > maxPushBody || !strings.HasSuffix(r.Push, "…") {
		t.Errorf("push body of %d characters: %q", n, r.Push)
	}
	if !strings.Contains(r.Body, ev.Data["Update"].(string)) {
		t.Error("the email lost part of the update")
	}
}
