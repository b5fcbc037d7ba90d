package notify

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"frontdoor/api/auth"
)

// Limits on an event's template data.
const (
	maxDataKeys   = 32
	maxDataString = 4000 // bytes of one value
	maxURLLen     = 2000
)

var (
	dataKey   = regexp.MustCompile(`^[A-Z][A-Za-z0-9]{0,31}$`)
	messageID = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,99}$`)
)

// kindData names the template data each kind's texts need; URL may come
// from Event.URL. A value missing would print as "<no value>".
var kindData = map[string][]string{
	KindCaseReceived:      {"Reference", "Service", "URL"},
	KindCaseUpdate:        {"Reference", "Service", "Update", "URL"},
	KindCaseStatus:        {"Reference", "Service", "Status", "URL"},
	KindCaseResolved:      {"Reference", "Service", "URL"},
	KindComplaintResponse: {"Reference", "Deadline", "URL"},
	KindTUOProgress:       {"Count", "Total", "URL"},
	KindTUODone:           {"URL"},
	KindTUOFailed:         {"Count", "URL"},
	KindAlert:             {"Title", "Body", "Area"},
	KindReminder:          {"Title", "Body", "Area"},
}

// checkNeeds refuses an event without the data its kind's texts use, or
// with a count that is not a whole number or a deadline that is not a date.
func checkNeeds(ev Event) error {
	for _, k := range kindData[ev.Kind] {
		v, inData := ev.Data[k]
		_, inTexts := ev.Texts[k]
		switch {
		case k == "URL" && ev.URL != "" || inTexts:
		case !inData:
			return fmt.Errorf("%w: %s needs data %s", ErrBadEvent, ev.Kind, k)
		case (k == "Count" || k == "Total") && !wholeNumber(v):
			return fmt.Errorf("%w: data %s: want a whole number", ErrBadEvent, k)
		case isDateKey(k) && !isDate(v):
			return fmt.Errorf("%w: data %s: want a date", ErrBadEvent, k)
		}
	}
	return nil
}

func wholeNumber(v any) bool {
	switch v := v.(type) {
	case int, int32, int64, uint32:
		return true
	case float64:
		return v == float64(int64(v))
	}
	return false
}

func isDate(v any) bool {
	switch v := v.(type) {
	case time.Time:
		return true
	case string:
		_, ok := parseDate(v)
		return ok
	}
	return false
}

// checkEvent refuses events no job could deliver. Its errors name the
// field, never its value.
func checkEvent(ev Event) error {
	bad := func(what string) error { return fmt.Errorf("%w: %s", ErrBadEvent, what) }
	switch {
	case !validKey(ev.Key):
		return bad(fmt.Sprintf("key: want 1 to %d bytes of printable UTF-8", MaxKeyLen))
	case Kinds[ev.Kind] == "":
		return bad(fmt.Sprintf("kind %q is not one of notify.Kinds", ev.Kind))
	case !slices.Contains(Topics, ev.Topic):
		return bad(fmt.Sprintf("topic %q is not one of notify.Topics", ev.Topic))
	case ev.URL != "" && !validURL(ev.URL):
		return bad("url: want an absolute http or https URL")
	}
	if err := checkRecipient(ev.To); err != nil {
		return err
	}
	return checkData(ev.Data, ev.Texts)
}

func checkRecipient(to Recipient) error {
	switch {
	case to.Resident != "":
		if !validID(to.Resident) {
			return ErrBadResident
		}
	case to.Email != "":
		if _, ok := auth.NormalizeEmail(to.Email); !ok {
			return fmt.Errorf("%w: recipient email is not an address", ErrBadEvent)
		}
	case to.Phone != "":
		if _, ok := auth.NormalizePhone(to.Phone); !ok {
			return fmt.Errorf("%w: recipient phone is not a number", ErrBadEvent)
		}
	default:
		return fmt.Errorf("%w: recipient needs a resident, an email or a phone", ErrBadEvent)
	}
	return nil
}

// normalRecipient puts bare contact details in the form senders expect.
func normalRecipient(to Recipient) Recipient {
	if e, ok := auth.NormalizeEmail(to.Email); ok {
		to.Email = e
	}
	if p, ok := auth.NormalizePhone(to.Phone); ok {
		to.Phone = p
	}
	if !knownLanguage(to.Language) {
		to.Language = ""
	}
	return to
}

func checkData(data map[string]any, texts map[string]string) error {
	if len(data)+len(texts) > maxDataKeys {
		return fmt.Errorf("%w: data: more than %d values", ErrBadEvent, maxDataKeys)
	}
	for k, v := range data {
		if !dataKey.MatchString(k) {
			return fmt.Errorf("%w: data key %q: want a capitalised name", ErrBadEvent, k)
		}
		if !dataValue(v) {
			return fmt.Errorf("%w: data %s: want printable text of at most %d bytes, a number, a boolean or a time", ErrBadEvent, k, maxDataString)
		}
	}
	for k, id := range texts {
		if !dataKey.MatchString(k) || !messageID.MatchString(id) {
			return fmt.Errorf("%w: texts %q: want a capitalised name and a message id", ErrBadEvent, k)
		}
	}
	return nil
}

func dataValue(v any) bool {
	switch v := v.(type) {
	case string:
		return len(v) <= maxDataString && printableText(v, true)
	case bool, int, int32, int64, uint32, float64, time.Time:
		return true
	}
	return false
}

// printableText is valid UTF-8 without control or format characters; line
// breaks and tabs are allowed when multiline.
func printableText(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if multiline && (r == '\n' || r == '\t' || r == '\r') {
			continue
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) && r != '\u200d' && r != '\u200c' {
			return false
		}
	}
	return true
}

func validKey(key string) bool {
	return key != "" && len(key) <= MaxKeyLen && printableText(key, false)
}

// validURL accepts an absolute http(s) URL with a host and nothing that
// could break a header or a line of text.
func validURL(s string) bool {
	if len(s) > maxURLLen || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil
}
