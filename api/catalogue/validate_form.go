package catalogue

import (
	"slices"
)

// Answer limits when a question sets none, and the most it may set.
const (
	defaultTextLength     = 200
	defaultTextareaLength = 4000
	maxTextLength         = 1000
	maxTextareaLength     = 10000
	// MaxPhotos is the most attachments one item may carry (issue 4).
	MaxPhotos = 5
)

func (t QuestionType) valid() bool {
	switch t {
	case TypeText, TypeTextarea, TypeNumber, TypeDate, TypeChoice, TypeYesNo, TypeAddress, TypePoint, TypePhoto:
		return true
	}
	return false
}

// MaxLen is the effective limit of a text (characters) or photo (count)
// question: its own, or the default for its type; 0 for other types.
func (q *Question) MaxLen() int {
	switch q.Type {
	case TypeText:
		return orDefault(q.MaxLength, defaultTextLength)
	case TypeTextarea:
		return orDefault(q.MaxLength, defaultTextareaLength)
	case TypePhoto:
		return min(orDefault(q.MaxLength, MaxPhotos), MaxPhotos)
	}
	return 0
}

func orDefault(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

func (c *checker) form(f *Form) {
	if len(f.Questions) > maxQuestions {
		c.AddCount("/form/questions", MsgTooMany, maxQuestions)
		return
	}
	for i := range f.Questions {
		c.question(at("/form/questions", i), f.Questions, i)
	}
}

// question checks questions[i]; the earlier ones are what a show_if may name.
func (c *checker) question(p string, questions []Question, i int) {
	q := &questions[i]
	switch {
	case !validKey(q.ID):
		c.Add(p+"/id", MsgKeyInvalid)
	case slices.ContainsFunc(questions[:i], func(o Question) bool { return o.ID == q.ID }):
		c.Add(p+"/id", MsgDuplicate)
	}
	if !q.Type.valid() {
		c.Add(p+"/type", MsgNotAllowed)
	}
	c.localized(p+"/label", q.Label, maxLabel, true, false)
	c.localized(p+"/hint", q.Hint, maxHint, false, true)
	if len(q.Hint) == 0 {
		q.Hint = nil
	}
	c.options(p, q)
	c.limits(p, q)
	if q.ShowIf != nil {
		c.showIf(p+"/show_if", q.ShowIf, questions[:i])
	}
}

func (c *checker) options(p string, q *Question) {
	if q.Type != TypeChoice {
		if len(q.Options) > 0 {
			c.Add(p+"/options", MsgNotAllowed)
		}
		return
	}
	switch {
	case len(q.Options) == 0:
		c.Add(p+"/options", MsgRequired)
		return
	case len(q.Options) > maxOptions:
		c.AddCount(p+"/options", MsgTooMany, maxOptions)
		return
	}
	for j, o := range q.Options {
		op := at(p+"/options", j)
		switch {
		case !validKey(o.Value):
			c.Add(op+"/value", MsgKeyInvalid)
		case slices.ContainsFunc(q.Options[:j], func(x Option) bool { return x.Value == o.Value }):
			c.Add(op+"/value", MsgDuplicate)
		}
		c.localized(op+"/label", o.Label, maxOptionLabel, true, false)
	}
}

// limits checks max_length, min and max against the question's type.
func (c *checker) limits(p string, q *Question) {
	switch q.Type {
	case TypeText:
		c.maxLength(p, q.MaxLength, maxTextLength)
	case TypeTextarea:
		c.maxLength(p, q.MaxLength, maxTextareaLength)
	case TypePhoto:
		c.maxLength(p, q.MaxLength, MaxPhotos)
	default:
		if q.MaxLength != 0 {
			c.Add(p+"/max_length", MsgNotAllowed)
		}
	}
	if q.Type != TypeNumber {
		if q.Min != nil {
			c.Add(p+"/min", MsgNotAllowed)
		}
		if q.Max != nil {
			c.Add(p+"/max", MsgNotAllowed)
		}
		return
	}
	okMin := q.Min == nil || finite(*q.Min)
	okMax := q.Max == nil || finite(*q.Max)
	if !okMin {
		c.Add(p+"/min", MsgInvalidValue)
	}
	if !okMax {
		c.Add(p+"/max", MsgInvalidValue)
	}
	if okMin && okMax && q.Min != nil && q.Max != nil && *q.Min > *q.Max {
		c.Add(p+"/max", MsgMinAboveMax)
	}
}

// maxLength allows 0 (the type's default) or 1..hi.
func (c *checker) maxLength(p string, n, hi int) {
	if n != 0 {
		c.intRange(p+"/max_length", n, 1, hi)
	}
}

// showIf: the condition must name an earlier choice or yes/no question and
// one of the answers it can take, so that it can ever be met.
func (c *checker) showIf(p string, s *ShowIf, earlier []Question) {
	k := slices.IndexFunc(earlier, func(o Question) bool { return o.ID == s.Question })
	if k < 0 || (earlier[k].Type != TypeChoice && earlier[k].Type != TypeYesNo) {
		c.Add(p+"/question", MsgShowIfInvalid)
		return
	}
	if !slices.Contains(earlier[k].answerValues(), s.Equals) {
		c.Add(p+"/equals", MsgNotAllowed)
	}
}

// answerValues lists what a choice or yes/no answer can be, as show_if writes it.
func (q *Question) answerValues() []string {
	if q.Type == TypeYesNo {
		return []string{"true", "false"}
	}
	vs := make([]string, len(q.Options))
	for i, o := range q.Options {
		vs[i] = o.Value
	}
	return vs
}
