package sqlite

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"frontdoor/api/store"
)

// marshalDoc writes a portable document as JSON with every time as fixed-width
// UTC text (store.TimeLayout), so that comparing the text compares the times
// and time.Time decodes it straight back. Map keys are sorted, so equal
// documents are equal bytes.
func marshalDoc(doc store.Doc) ([]byte, error) {
	return appendValue(make([]byte, 0, 256), doc)
}

func appendValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case float64:
		f, err := json.Marshal(x) // encoding/json's number format; refuses NaN and Inf
		if err != nil {
			return nil, fmt.Errorf("%w: %w", store.ErrInvalid, err)
		}
		return append(b, f...), nil
	case string:
		return appendString(b, x), nil
	case time.Time:
		b = append(b, '"')
		b = x.UTC().AppendFormat(b, store.TimeLayout)
		return append(b, '"'), nil
	case []any:
		return appendArray(b, x)
	case map[string]any:
		return appendObject(b, x)
	}
	return nil, fmt.Errorf("%w: a %T is not a portable value", store.ErrInvalid, v)
}

func appendArray(b []byte, xs []any) ([]byte, error) {
	b = append(b, '[')
	var err error
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = appendValue(b, x); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

func appendObject(b []byte, m map[string]any) ([]byte, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	var err error
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		if b, err = appendValue(b, m[k]); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendString copies plain strings as they are and lets encoding/json escape
// the rest (quotes, control characters, invalid UTF-8).
func appendString(b []byte, s string) []byte {
	if plain(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

func plain(s string) bool {
	for _, r := range s {
		switch {
		case r < 0x20, r == '"', r == '\\', r == '<', r == '>', r == '&':
			return false
		case r == utf8.RuneError, r == '\u2028', r == '\u2029':
			return false // invalid UTF-8 (or a real U+FFFD, rare), and the separators encoding/json escapes
		}
	}
	return true
}
