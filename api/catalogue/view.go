package catalogue

// ServiceView is a service as residents and other clients see it, in one
// language (issue 4, "Shapes that other clients rely on").
type ServiceView struct {
	Code        string       `json:"code"`
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Group       string       `json:"group"`
	Tier        Tier         `json:"tier"`
	Channels    []string     `json:"channels"`
	Team        string       `json:"team"`
	Standard    StandardView `json:"standard"`
	Anonymous   bool         `json:"anonymous"`
	Related     []string     `json:"related"`
	Form        FormView     `json:"form"`
}

// StandardView is a service standard in one language.
type StandardView struct {
	Target int    `json:"target"`
	Unit   Unit   `json:"unit"`
	WeWill string `json:"we_will"`
	WeAsk  string `json:"we_ask"`
}

// FormView is a form in one language.
type FormView struct {
	Version   int            `json:"version"`
	Questions []QuestionView `json:"questions"`
}

// QuestionView is a question in one language. MaxLength is the limit in
// force (the type's default when the question sets none), so that a client
// can check as the server will.
type QuestionView struct {
	ID        string       `json:"id"`
	Type      QuestionType `json:"type"`
	Label     string       `json:"label"`
	Hint      string       `json:"hint,omitempty"`
	Required  bool         `json:"required"`
	Options   []OptionView `json:"options,omitempty"`
	MaxLength int          `json:"max_length,omitempty"`
	Min       *float64     `json:"min,omitempty"`
	Max       *float64     `json:"max,omitempty"`
	ShowIf    *ShowIf      `json:"show_if,omitempty"`
}

// OptionView is a choice's option in one language.
type OptionView struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// View is the service in lang (English where lang has no text).
func (s *Service) View(lang string) ServiceView {
	return ServiceView{
		Code:        s.Code,
		Name:        s.Name.In(lang),
		Description: s.Description.In(lang),
		Group:       s.Group,
		Tier:        s.Tier,
		Channels:    nonNil(s.Channels),
		Team:        s.Team,
		Standard: StandardView{
			Target: s.Standard.Target,
			Unit:   s.Standard.Unit,
			WeWill: s.Standard.WeWill.In(lang),
			WeAsk:  s.Standard.WeAsk.In(lang),
		},
		Anonymous: s.Anonymous,
		Related:   nonNil(s.Related),
		Form:      s.Form.View(lang),
	}
}

// View is the form in lang.
func (f Form) View(lang string) FormView {
	qs := make([]QuestionView, len(f.Questions))
	for i := range f.Questions {
		q := &f.Questions[i]
		qs[i] = QuestionView{
			ID: q.ID, Type: q.Type, Label: q.Label.In(lang), Hint: q.Hint.In(lang),
			Required: q.Required, MaxLength: q.MaxLen(), Min: q.Min, Max: q.Max, ShowIf: q.ShowIf,
		}
		if len(q.Options) > 0 {
			qs[i].Options = make([]OptionView, len(q.Options))
			for j, o := range q.Options {
				qs[i].Options[j] = OptionView{Value: o.Value, Label: o.Label.In(lang)}
			}
		}
	}
	return FormView{Version: f.Version, Questions: qs}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
