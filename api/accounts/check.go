package accounts

import (
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
)

// Field limits, in characters.
const (
	maxName       = 100
	maxLine       = 100
	maxTown       = 60
	maxRelation   = 60
	maxReason     = 200
	maxEmailLen   = 254
	maxEmailLocal = 64
	maxIDLen      = 128
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
			c.add(p, MsgRequired)
		}
		return !required
	case !printable(*s):
		c.add(p, MsgTextInvalid)
		return false
	case utf8.RuneCountInString(*s) > max:
		c.addCount(p, MsgTooLong, max)
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
		c.add(p, MsgNotAllowed)
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

// NormalizePhone returns a phone number in E.164 form. UK national numbers
// ("07700 900123") become +44 numbers; international ones need a leading +
// or 00. Spaces, dashes, dots, brackets and a "(0)" after +44 are ignored.
func NormalizePhone(s string) (string, bool) {
	if len(s) > 40 {
		return "", false
	}
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '.' || r == '\u00a0' {
			return -1
		}
		return r
	}, s)
	s = strings.Replace(s, "+44(0)", "+44", 1)
	s = strings.NewReplacer("(", "", ")", "").Replace(s)
	if strings.HasPrefix(s, "00") {
		s = "+" + s[2:]
	}
	switch {
	case strings.HasPrefix(s, "+44"):
		return ukNumber(s[3:])
	case strings.HasPrefix(s, "+"):
		d := s[1:]
		if !allDigits(d) || d[0] == '0' || len(d) < 8 || len(d) > 15 {
			return "", false
		}
		return s, true
	case strings.HasPrefix(s, "0"):
		return ukNumber(s[1:])
	}
	return "", false
}

// ukNumber checks a UK national significant number (without the 0).
func ukNumber(n string) (string, bool) {
	if !allDigits(n) || !strings.ContainsRune("1235789", rune(n[0])) {
		return "", false
	}
	if len(n) != 10 && (n[0] == '7' || len(n) != 9) {
		return "", false
	}
	return "+44" + n, true
}

// NormalizeEmail checks an email address (net/mail, a bare address only,
// ASCII, sane lengths, a domain of dotted DNS labels) and lowercases the
// domain. Quoted local parts and IP-literal domains are refused: real
// residents do not use them, and they are favourite tools of abuse.
func NormalizeEmail(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) > maxEmailLen || strings.Count(s, "@") != 1 || strings.ContainsAny(s, "\"[]\\ ") {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '!' || s[i] > '~' {
			return "", false
		}
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", false
	}
	local, domain, _ := strings.Cut(s, "@")
	domain = strings.ToLower(domain)
	if len(local) > maxEmailLocal || !validDomain(domain) {
		return "", false
	}
	return local + "@" + domain, true
}

func validDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(labels) < 2 || allDigits(labels[len(labels)-1]) {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || isDigit(c) || c == '-') {
				return false
			}
		}
	}
	return true
}

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
			c.add(p, MsgRequired)
		}
		return time.Time{}, false
	}
	t, ok := d.Time()
	if !ok {
		c.add(p, MsgDateInvalid)
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
