package catalogue

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Languages a Text may hold; English is required wherever a Text is.
var Languages = []string{"en", "cy", "pl", "ar"}

// maxKey is the longest service code, team key, group, question id or
// option value.
const maxKey = 40

// validKey says whether s is lower-case letters, digits and inner hyphens,
// at most maxKey bytes: safe in URLs, message ids and Open311 codes.
func validKey(s string) bool {
	if s == "" || len(s) > maxKey || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if b := s[i]; !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-') {
			return false
		}
	}
	return true
}

// escapePointer escapes one JSON Pointer token (RFC 6901): answer keys come
// from clients and may hold "/" or "~".
func escapePointer(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

func at(base string, parts ...any) string {
	var b strings.Builder
	b.WriteString(base)
	for _, p := range parts {
		b.WriteByte('/')
		switch v := p.(type) {
		case string:
			b.WriteString(escapePointer(v))
		case int:
			b.WriteString(strconv.Itoa(v))
		}
	}
	return b.String()
}

// cleanText trims s and puts it in NFC, so that "é" typed either way
// counts as one character and compares equal.
func cleanText(s string) string {
	return norm.NFC.String(strings.TrimSpace(s))
}

// printable refuses invalid UTF-8, control characters and invisible format
// characters such as bidi overrides, which can make text read differently
// on screen. Zero-width (non-)joiners stay: Arabic and other scripts need
// them. multiline lets line breaks and tabs through.
func printable(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if multiline && (r == '\n' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Co, r) || r == utf8.RuneError {
			return false
		}
		if unicode.Is(unicode.Cf, r) && r != '\u200c' && r != '\u200d' {
			return false
		}
	}
	return true
}

// text checks one string in place: cleaned, printable, at most max
// characters. An empty string is left for the caller to judge.
func (c *checker) text(p string, s *string, max int, multiline bool) bool {
	v := *s
	if multiline {
		v = strings.ReplaceAll(v, "\r\n", "\n")
	}
	v = cleanText(v)
	*s = v
	switch {
	case !printable(v, multiline):
		c.Add(p, MsgTextInvalid)
		return false
	case utf8.RuneCountInString(v) > max:
		c.AddCount(p, MsgTooLong, max)
		return false
	}
	return true
}

// localized checks a Text in place: only our languages, each cleaned and
// at most max characters, empty ones dropped, English present when required.
func (c *checker) localized(p string, t Text, max int, required, multiline bool) {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, lang := range keys {
		if !slices.Contains(Languages, lang) {
			c.Add(at(p, lang), MsgLanguageUnknown)
			continue
		}
		s := t[lang]
		if c.text(at(p, lang), &s, max, multiline) && s == "" {
			delete(t, lang)
			continue
		}
		t[lang] = s
	}
	if required && t["en"] == "" {
		c.Add(at(p, "en"), MsgRequired)
	}
}

// intRange checks lo <= n <= hi.
func (c *checker) intRange(p string, n, lo, hi int) bool {
	if n < lo || n > hi {
		c.AddData(p, MsgNumberRange, map[string]any{"Min": strconv.Itoa(lo), "Max": strconv.Itoa(hi)})
		return false
	}
	return true
}

// formatNumber writes a bound as people read it: 2.5, 1000000, never 1e+06.
func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// numberRange checks f against optional bounds, naming them in the message.
func (c *checker) numberRange(p string, f float64, lo, hi *float64) {
	switch {
	case lo != nil && hi != nil && (f < *lo || f > *hi):
		c.AddData(p, MsgNumberRange, map[string]any{"Min": formatNumber(*lo), "Max": formatNumber(*hi)})
	case lo != nil && hi == nil && f < *lo:
		c.AddData(p, MsgNumberTooSmall, map[string]any{"Min": formatNumber(*lo)})
	case hi != nil && lo == nil && f > *hi:
		c.AddData(p, MsgNumberTooLarge, map[string]any{"Max": formatNumber(*hi)})
	}
}
