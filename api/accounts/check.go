package accounts

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"

	"frontdoor/api/auth"
)

// Field limits, in characters.
const (
	maxName     = 100
	maxLine     = 100
	maxTown     = 60
	maxRelation = 60
	maxReason   = 200
	maxIDLen    = 128
)

// ptr builds a JSON Pointer from its parts; our names need no escaping.
func ptr(base string, parts ...any) string {
	var b strings.Builder
	b.WriteString(base)
	for _, p := range parts {
		b.WriteByte('/')
		switch v := p.(type) {
		case string:
			b.WriteString(v)
		case int:
			b.WriteString(strconv.Itoa(v))
		}
	}
	return b.String()
}

// text trims *s in place and checks it is printable text of at most max
// characters. Hostile strings ({"$gt": ""} and the like) are just text here:
// they are stored as given and never reach a query as anything else.
func (c *checker) text(p string, s *string, max int, required bool) bool {
	*s = strings.TrimSpace(*s)
	switch {
	case *s == "":
		if required {
			c.Add(p, MsgRequired)
		}
		return !required
	case !printable(*s):
		c.Add(p, MsgTextInvalid)
		return false
	case utf8.RuneCountInString(*s) > max:
		c.AddCount(p, MsgTooLong, max)
		return false
	}
	return true
}

// printable refuses invalid UTF-8, control characters (line breaks
// included) and invisible format characters such as bidi overrides, which
// can make a name read differently on screen. Zero-width (non-)joiners stay:
// Arabic and other scripts need them.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Co, r) || r == utf8.RuneError {
			return false
		}
		if unicode.Is(unicode.Cf, r) && r != '\u200c' && r != '\u200d' {
			return false
		}
	}
	return true
}

// validID says whether s can be an id we made or a token subject: short
// printable ASCII without spaces. Anything else cannot name a document.
func validID(s string) bool {
	if s == "" || len(s) > maxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

func (c *checker) oneOf(p, v string, allowed []string) {
	if !slices.Contains(allowed, v) {
		c.Add(p, MsgNotAllowed)
	}
}

// NormalizePostcode returns a UK postcode in its standard form ("pl1 2aa"
// becomes "PL1 2AA"), checking the letters each position may hold.
func NormalizePostcode(s string) (string, bool) {
	s = strings.ToUpper(strings.Join(strings.Fields(s), ""))
	if len(s) < 5 || len(s) > 7 {
		return "", false
	}
	out, in := s[:len(s)-3], s[len(s)-3:]
	if out+in == "GIR0AA" {
		return "GIR 0AA", true
	}
	if !isDigit(in[0]) || !strings.ContainsRune("ABDEFGHJLNPQRSTUWXYZ", rune(in[1])) ||
		!strings.ContainsRune("ABDEFGHJLNPQRSTUWXYZ", rune(in[2])) || !validOutward(out) {
		return "", false
	}
	return out + " " + in, true
}

// validOutward accepts the six outward-code shapes A9, A99, AA9, AA99, A9A
// and AA9A with the letters allowed in each position.
func validOutward(o string) bool {
	const first, second = "ABCDEFGHIJKLMNOPRSTUWYZ", "ABCDEFGHKLMNOPQRSTUVWXY"
	if len(o) < 2 || !strings.ContainsRune(first, rune(o[0])) {
		return false
	}
	rest := o[1:]
	if !isDigit(rest[0]) { // AA9, AA99, AA9A
		if !strings.ContainsRune(second, rune(rest[0])) || len(rest) < 2 || !isDigit(rest[1]) {
			return false
		}
		switch len(rest) {
		case 2:
			return true
		case 3:
			return isDigit(rest[2]) || strings.ContainsRune("ABEHMNPRVWXY", rune(rest[2]))
		}
		return false
	}
	switch len(rest) { // A9, A99, A9A
	case 1:
		return true
	case 2:
		return isDigit(rest[1]) || strings.ContainsRune("ABCDEFGHJKPSTUW", rune(rest[1]))
	}
	return false
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// email normalizes an optional email address in place, or says why it cannot.
func (ck *checker) email(p string, v *string) {
	if *v == "" {
		return
	}
	if e, ok := NormalizeEmail(*v); ok {
		*v = e
	} else {
		ck.Add(p, MsgEmailInvalid)
	}
}

// phone normalizes an optional phone number in place, or says why it cannot.
func (ck *checker) phone(p string, v *string) {
	if *v == "" {
		return
	}
	if n, ok := NormalizePhone(*v); ok {
		*v = n
	} else {
		ck.Add(p, MsgPhoneInvalid)
	}
}

// NormalizePhone and NormalizeEmail are auth's, so that the customer record
// and the sign-in account always write a person's contacts the same way.
func NormalizePhone(s string) (string, bool) { return auth.NormalizePhone(s) }

func NormalizeEmail(s string) (string, bool) { return auth.NormalizeEmail(s) }

// emailKey is what the unique index holds for an email: the whole address
// in lower case, since no provider we know treats case as significant.
func emailKey(normalized string) string { return strings.ToLower(normalized) }

// Date is a calendar date with no time or zone, "2006-01-02".
type Date string

const dateLayout = "2006-01-02"

// Time returns midnight UTC of the date, and whether it is a real date
// between 1900 and 2199.
func (d Date) Time() (time.Time, bool) {
	if len(d) != len(dateLayout) {
		return time.Time{}, false
	}
	t, err := time.Parse(dateLayout, string(d))
	if err != nil || t.Year() < 1900 || t.Year() > 2199 {
		return time.Time{}, false
	}
	return t, true
}

// DateOf returns the UTC calendar date of t.
func DateOf(t time.Time) Date { return Date(t.UTC().Format(dateLayout)) }

// date checks a date; it returns its time when valid.
func (c *checker) date(p string, d Date, required bool) (time.Time, bool) {
	if d == "" {
		if required {
			c.Add(p, MsgRequired)
		}
		return time.Time{}, false
	}
	t, ok := d.Time()
	if !ok {
		c.Add(p, MsgDateInvalid)
	}
	return t, ok
}

// interpreterLanguage canonicalizes a BCP 47 tag ("BFI" -> "bfi", British
// Sign Language).
func interpreterLanguage(s string) (string, bool) {
	if len(s) > 35 {
		return "", false
	}
	t, err := language.Parse(s)
	if err != nil || t == language.Und {
		return "", false
	}
	return t.String(), true
}
