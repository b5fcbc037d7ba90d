package catalogue

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// Answers are a case item's answers, checked against the form and
// normalized, with the parts the cases package files separately.
type Answers struct {
	// Values holds the visible questions' answers in JSON-ready form:
	// string (text, textarea, choice, and date as "YYYY-MM-DD"), float64,
	// bool, map[string]any (address, point) and []any of ids (photo).
	Values map[string]any
	// Point is the first point answer given, for maps and duplicates.
	Point *Point
	// Postcode is the first address answer's postcode, for tracking.
	Postcode string
	// Photos are every attachment id given, with where it was given.
	Photos []PhotoRef
}

// PhotoRef is one attachment id of a photo answer and its JSON Pointer.
type PhotoRef struct {
	Pointer string
	ID      string
}

// maxUnknownReported bounds the errors for answers to questions the form
// lacks, so that a hostile body cannot make the reply huge.
const maxUnknownReported = 50

// Check checks raw answers (keyed by question id) against the form and
// returns them normalized, or every problem at once. ptr is the JSON
// Pointer of the answers object in the request ("/items/0/answers"); area
// is where point answers must fall; now bounds dates.
//
// A question whose show_if is not met is hidden: its answer is dropped and
// it is never required. A question shown only after a hidden one is hidden too.
func (f Form) Check(raw map[string]json.RawMessage, area Area, ptr string, now time.Time) (Answers, []FieldError) {
	var c checker
	c.unknownAnswers(f, raw, ptr)
	a := Answers{Values: map[string]any{}}
	ac := answerChecker{checker: &c, area: area, now: now}
	for i := range f.Questions {
		q := &f.Questions[i]
		if !visible(q, a.Values) {
			continue
		}
		p := at(ptr, q.ID)
		v, ok := raw[q.ID]
		if !ok || blank(v) {
			if q.Required {
				c.Add(p, MsgRequired)
			}
			continue
		}
		if val, ok := ac.answer(p, q, v); ok {
			a.Values[q.ID] = val
			a.collect(p, q, val)
		}
	}
	if len(c.Fields) > 0 {
		return Answers{}, c.Fields
	}
	return a, nil
}

func (c *checker) unknownAnswers(f Form, raw map[string]json.RawMessage, ptr string) {
	var unknown []string
	for k := range raw {
		if !slices.ContainsFunc(f.Questions, func(q Question) bool { return q.ID == k }) {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown[:min(len(unknown), maxUnknownReported)] {
		c.Add(at(ptr, k), MsgQuestionUnknown)
	}
}

// visible says whether q is asked, given the answers accepted so far. A
// condition on a question that is hidden, unanswered or wrongly answered
// is not met.
func visible(q *Question, values map[string]any) bool {
	if q.ShowIf == nil {
		return true
	}
	switch v := values[q.ShowIf.Question].(type) {
	case string:
		return v == q.ShowIf.Equals
	case bool:
		return (v && q.ShowIf.Equals == "true") || (!v && q.ShowIf.Equals == "false")
	}
	return false
}

// blank says whether an answer was left empty: null, "", only spaces, [] or {}.
func blank(v json.RawMessage) bool {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return true
	}
	switch v[0] {
	case '"':
		var s string
		return json.Unmarshal(v, &s) == nil && strings.TrimSpace(s) == ""
	case '[', '{':
		if len(v) > 64 {
			return false
		}
		var b bytes.Buffer
		if json.Compact(&b, v) != nil {
			return false
		}
		return b.String() == "[]" || b.String() == "{}"
	}
	return false
}

// collect files the parts of an accepted answer that cases keep apart.
func (a *Answers) collect(p string, q *Question, val any) {
	switch q.Type {
	case TypePoint:
		if a.Point == nil {
			m := val.(map[string]any)
			a.Point = &Point{Lat: m["lat"].(float64), Lng: m["lng"].(float64)}
		}
	case TypeAddress:
		if a.Postcode == "" {
			a.Postcode = val.(map[string]any)["postcode"].(string)
		}
	case TypePhoto:
		for i, id := range val.([]any) {
			a.Photos = append(a.Photos, PhotoRef{Pointer: at(p, i), ID: id.(string)})
		}
	}
}
