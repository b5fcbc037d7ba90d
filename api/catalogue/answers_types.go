package catalogue

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"time"

	"frontdoor/api/accounts"
)

// Limits of address answers, in characters.
const (
	maxAddressLine = 200
	maxAddressTown = 100
)

var (
	photoIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	uprnPattern    = regexp.MustCompile(`^[0-9]{1,12}$`)
	earliestDate   = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
)

// answerChecker checks one answer of each type against its question.
type answerChecker struct {
	*checker
	area Area
	now  time.Time
}

// answer checks a non-blank answer and returns its normalized value.
func (c answerChecker) answer(p string, q *Question, v json.RawMessage) (any, bool) {
	before := len(c.Fields)
	var val any
	switch q.Type {
	case TypeText, TypeTextarea:
		val = c.textAnswer(p, q, v)
	case TypeNumber:
		val = c.numberAnswer(p, q, v)
	case TypeDate:
		val = c.dateAnswer(p, v)
	case TypeChoice:
		val = c.choiceAnswer(p, q, v)
	case TypeYesNo:
		var b bool
		if !decodeBool(v, &b) {
			c.Add(p, MsgInvalidValue)
		}
		val = b
	case TypeAddress:
		val = c.addressAnswer(p, v)
	case TypePoint:
		val = c.pointAnswer(p, v)
	case TypePhoto:
		val = c.photoAnswer(p, q, v)
	default:
		c.Add(p, MsgNotAllowed) // a type Validate refuses; never stored
	}
	return val, len(c.Fields) == before
}

// decodeBool accepts only the JSON literals true and false.
func decodeBool(v json.RawMessage, b *bool) bool {
	switch string(bytes.TrimSpace(v)) {
	case "true":
		*b = true
		return true
	case "false":
		*b = false
		return true
	}
	return false
}

// decodeExact decodes v into dst only when v starts with want (a JSON
// type's first byte), so that no Go conversion blurs JSON types.
func decodeExact(v json.RawMessage, want byte, dst any) bool {
	v = bytes.TrimSpace(v)
	return len(v) > 0 && v[0] == want && json.Unmarshal(v, dst) == nil
}

func (c answerChecker) textAnswer(p string, q *Question, v json.RawMessage) any {
	var s string
	if !decodeExact(v, '"', &s) {
		c.Add(p, MsgInvalidValue)
		return nil
	}
	c.text(p, &s, q.MaxLen(), q.Type == TypeTextarea)
	return s
}

func (c answerChecker) numberAnswer(p string, q *Question, v json.RawMessage) any {
	v = bytes.TrimSpace(v)
	var f float64
	if len(v) == 0 || !(v[0] == '-' || v[0] >= '0' && v[0] <= '9') || json.Unmarshal(v, &f) != nil || !finite(f) {
		c.Add(p, MsgInvalidValue)
		return nil
	}
	c.numberRange(p, f, q.Min, q.Max)
	return f
}

func (c answerChecker) dateAnswer(p string, v json.RawMessage) any {
	var s string
	if !decodeExact(v, '"', &s) {
		c.Add(p, MsgInvalidValue)
		return nil
	}
	s = strings.TrimSpace(s)
	d, err := time.Parse(time.DateOnly, s)
	if err != nil || len(s) != len(time.DateOnly) {
		c.Add(p, MsgDateInvalid)
		return nil
	}
	if d.Before(earliestDate) || d.After(c.now.AddDate(2, 0, 0)) {
		c.Add(p, MsgDateOutOfRange)
		return nil
	}
	return s
}

func (c answerChecker) choiceAnswer(p string, q *Question, v json.RawMessage) any {
	var s string
	if !decodeExact(v, '"', &s) {
		c.Add(p, MsgInvalidValue)
		return nil
	}
	if !slices.ContainsFunc(q.Options, func(o Option) bool { return o.Value == s }) {
		c.Add(p, MsgNotAllowed)
		return nil
	}
	return s
}

// object decodes a JSON object answer and refuses keys other than allowed.
func (c answerChecker) object(p string, v json.RawMessage, allowed ...string) (map[string]json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if !decodeExact(v, '{', &m) {
		c.Add(p, MsgInvalidValue)
		return nil, false
	}
	var unknown []string
	for k := range m {
		if !slices.Contains(allowed, k) {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown[:min(len(unknown), maxUnknownReported)] {
		c.Add(at(p, k), MsgFieldUnknown)
	}
	return m, len(unknown) == 0
}

// part reads an optional string part of an object answer, cleaned and
// checked for length; "" when absent or null.
func (c answerChecker) part(p string, m map[string]json.RawMessage, key string, max int, required bool) string {
	v, ok := m[key]
	if !ok || blank(v) {
		if required {
			c.Add(at(p, key), MsgRequired)
		}
		return ""
	}
	var s string
	if !decodeExact(v, '"', &s) {
		c.Add(at(p, key), MsgInvalidValue)
		return ""
	}
	c.text(at(p, key), &s, max, false)
	return s
}

func (c answerChecker) addressAnswer(p string, v json.RawMessage) any {
	m, _ := c.object(p, v, "line1", "town", "postcode", "uprn")
	if m == nil {
		return nil
	}
	a := Address{
		Line1: c.part(p, m, "line1", maxAddressLine, true),
		Town:  c.part(p, m, "town", maxAddressTown, false),
	}
	if pc := c.part(p, m, "postcode", maxAddressLine, true); pc != "" {
		if n, ok := accounts.NormalizePostcode(pc); ok {
			a.Postcode = n
		} else {
			c.Add(at(p, "postcode"), MsgPostcodeInvalid)
		}
	}
	if u := c.part(p, m, "uprn", maxAddressLine, false); u != "" {
		if uprnPattern.MatchString(u) {
			a.UPRN = u
		} else {
			c.Add(at(p, "uprn"), MsgUPRNInvalid)
		}
	}
	out := map[string]any{"line1": a.Line1, "town": a.Town, "postcode": a.Postcode}
	if a.UPRN != "" {
		out["uprn"] = a.UPRN
	}
	return out
}

func (c answerChecker) pointAnswer(p string, v json.RawMessage) any {
	m, ok := c.object(p, v, "lat", "lng")
	if m == nil {
		return nil
	}
	lat, okLat := c.degrees(p, m, "lat", 90)
	lng, okLng := c.degrees(p, m, "lng", 180)
	if ok && okLat && okLng && !c.area.Contains(Point{lat, lng}) {
		c.Add(p, MsgPointOutside)
	}
	return map[string]any{"lat": lat, "lng": lng}
}

// degrees reads a required coordinate of a point answer, within ±limit.
func (c answerChecker) degrees(p string, m map[string]json.RawMessage, key string, limit float64) (float64, bool) {
	v, ok := m[key]
	if !ok || blank(v) {
		c.Add(at(p, key), MsgRequired)
		return 0, false
	}
	v = bytes.TrimSpace(v)
	var f float64
	if !(v[0] == '-' || v[0] >= '0' && v[0] <= '9') || json.Unmarshal(v, &f) != nil || !finite(f) {
		c.Add(at(p, key), MsgInvalidValue)
		return 0, false
	}
	if f < -limit || f > limit {
		c.Add(at(p, key), MsgOutOfRange)
		return 0, false
	}
	return f, true
}

func (c answerChecker) photoAnswer(p string, q *Question, v json.RawMessage) any {
	var items []json.RawMessage
	if !decodeExact(v, '[', &items) {
		c.Add(p, MsgInvalidValue)
		return nil
	}
	if max := q.MaxLen(); len(items) > max {
		c.AddCount(p, MsgTooMany, max)
		return nil
	}
	ids := make([]any, 0, len(items))
	for i, item := range items {
		var id string
		switch {
		case !decodeExact(item, '"', &id) || !photoIDPattern.MatchString(id):
			c.Add(at(p, i), MsgInvalidValue)
		case slices.Contains(ids, any(id)):
			c.Add(at(p, i), MsgDuplicate)
		default:
			ids = append(ids, id)
		}
	}
	return ids
}
