package store

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"
)

// A cursor carries the key of the last row of a page and a fingerprint of the
// query it belongs to, so a cursor is refused by any other query.
type cursorJSON struct {
	Q string          `json:"q"`
	K []cursorElement `json:"k"`
}

// cursorElement holds one typed key value; exactly one field is set.
type cursorElement struct {
	S *string  `json:"s,omitempty"`
	I *int64   `json:"i,omitempty"`
	F *float64 `json:"f,omitempty"`
	B *bool    `json:"b,omitempty"`
	T *int64   `json:"t,omitempty"` // unix milliseconds
}

const maxCursorLen = 4096

func fingerprint(p Plan) string {
	b, _ := json.Marshal(struct {
		C string
		W []Cond
		S string
		D bool
	}{p.Collection, p.Where, p.Sort, p.Desc})
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:9])
}

func encodeCursor(p Plan, key []any) (string, error) {
	c := cursorJSON{Q: fingerprint(p)}
	for _, k := range key {
		var e cursorElement
		switch v := k.(type) {
		case string:
			e.S = &v
		case int64:
			e.I = &v
		case float64:
			e.F = &v
		case bool:
			e.B = &v
		case time.Time:
			ms := v.UnixMilli()
			e.T = &ms
		default:
			return "", fmt.Errorf("store: engine returned a %T cursor key", k)
		}
		c.K = append(c.K, e)
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// decodeCursor reads a cursor made by encodeCursor for the same plan. Cursors
// come from clients, so anything else is ErrBadCursor, never a panic.
func decodeCursor(p Plan, s string) ([]any, error) {
	if len(s) > maxCursorLen {
		return nil, ErrBadCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, ErrBadCursor
	}
	var c cursorJSON
	if err := json.Unmarshal(b, &c); err != nil || c.Q != fingerprint(p) || len(c.K) == 0 || len(c.K) > 4 {
		return nil, ErrBadCursor
	}
	key := make([]any, len(c.K))
	for i, e := range c.K {
		set := 0
		if e.S != nil {
			key[i], set = *e.S, set+1
		}
		if e.I != nil {
			key[i], set = *e.I, set+1
		}
		if e.F != nil {
			key[i], set = *e.F, set+1
		}
		if e.B != nil {
			key[i], set = *e.B, set+1
		}
		if e.T != nil {
			key[i], set = time.UnixMilli(*e.T).UTC(), set+1
		}
		if set != 1 {
			return nil, ErrBadCursor
		}
	}
	return key, nil
}
