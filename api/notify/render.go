package notify

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Message ids of the texts. Each kind has four: Notify_<kind>_title (the
// email subject and push title), _body (the email), _sms and _push (the
// short push body).
const (
	msgPrefix        = "Notify_"
	msgFooterAccount = "Notify_footer_account"
	msgFooterContact = "Notify_footer_contact"
	msgDate          = "Notify_date"
	msgMonth         = "Notify_month_" // 1 to 12
)

// maxPushBody keeps push bodies short enough for a lock screen and well
// inside a push service's payload limit.
const maxPushBody = 240

// rendered is an event in one language, for every channel.
type rendered struct {
	Title string // email subject, push title
	Body  string // email body, with its footer
	SMS   string
	Push  string
}

// pickLanguage is the account's language, else the one given with the
// recipient, else English.
func pickLanguage(account, given string) string {
	switch {
	case knownLanguage(account):
		return account
	case knownLanguage(given):
		return given
	}
	return Languages[0]
}

// render renders ev's texts in lang. account says which footer the email
// gets: settings for an account, the reason for bare contact details.
func (s *Service) render(lang string, ev Event, account bool) rendered {
	data := s.templateData(lang, ev)
	text := func(part string) string { return s.text(lang, msgPrefix+ev.Kind+"_"+part, data) }
	footer := msgFooterContact
	if account {
		footer = msgFooterAccount
	}
	return rendered{
		Title: oneLine(text("title")),
		Body:  text("body") + "\n\n" + s.text(lang, footer, data),
		SMS:   text("sms"),
		Push:  truncate(text("push"), maxPushBody),
	}
}

// text renders one message. Localize picks a plural form from data's
// Count for every message, and a message without plural forms has only
// "other", which Welsh, Polish and Arabic do not pick for every count: it
// then comes back as its id, and is rendered again without the count.
func (s *Service) text(lang, id string, data map[string]any) string {
	out := s.opts.Localize(lang, id, data)
	if _, counted := data["Count"]; out == id && counted {
		rest := make(map[string]any, len(data))
		for k, v := range data {
			if k != "Count" {
				rest[k] = v
			}
		}
		out = s.opts.Localize(lang, id, rest)
	}
	return out
}

// templateData is ev's data as the templates want it: whole numbers as
// integers (go-i18n picks plural forms from them, not from floats), dates
// in words in lang, message ids localized, and the URL.
func (s *Service) templateData(lang string, ev Event) map[string]any {
	d := make(map[string]any, len(ev.Data)+len(ev.Texts)+1)
	for k, v := range ev.Data {
		d[k] = s.dataForm(lang, k, v)
	}
	for k, id := range ev.Texts {
		d[k] = s.opts.Localize(lang, id, nil)
	}
	if _, ok := d["URL"]; !ok && ev.URL != "" {
		d["URL"] = ev.URL
	}
	return d
}

func (s *Service) dataForm(lang, key string, v any) any {
	switch v := v.(type) {
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return int64(v)
		}
	case time.Time:
		return s.date(lang, v)
	case string:
		if isDateKey(key) {
			if t, ok := parseDate(v); ok {
				return s.date(lang, t)
			}
		}
	}
	return v
}

// isDateKey names the data that hold dates: Deadline, Date and *Date.
// Times lose their type in a job's JSON; their names keep it.
func isDateKey(k string) bool { return k == "Deadline" || strings.HasSuffix(k, "Date") }

func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// date writes a day as people read it in lang ("14 March 2026"); a time
// keeps the date of its own zone.
func (s *Service) date(lang string, t time.Time) string {
	month := s.opts.Localize(lang, msgMonth+strconv.Itoa(int(t.Month())), nil)
	return s.opts.Localize(lang, msgDate, map[string]any{"Day": t.Day(), "Month": month, "Year": t.Year()})
}

// oneLine makes a subject or title of text that may hold line breaks.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// truncate cuts s to at most n runes, ending with an ellipsis when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
