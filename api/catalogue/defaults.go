package catalogue

import "slices"

// Defaults is the demo council's catalogue (Plymouth): its teams and at
// least twenty services with their forms. The structure is Go data here;
// every word comes from locales/catalogue.<lang>.toml through localize
// (locales.Localize over the bundle, which returns the id itself when a
// message is missing), in each of langs; English is always included.
//
// Message ids: Catalogue_<code>_name, _description, _we_will, _we_ask;
// Catalogue_<code>_q_<question>_label, _hint, _opt_<value>; questions many
// services share use Catalogue_common_q_<question>_...; team names are
// Catalogue_team_<key>_name.
func Defaults(localize func(lang, messageID string) string, langs []string) (teams []Team, services []Service) {
	b := builder{localize: localize, langs: langs}
	if !slices.Contains(langs, "en") {
		b.langs = append([]string{"en"}, langs...)
	}
	for _, key := range defaultTeams {
		teams = append(teams, Team{Key: key, Name: b.text("Catalogue_team_"+key+"_name", false)})
	}
	for _, s := range defaultServices() {
		services = append(services, b.service(s))
	}
	return teams, services
}

// defaultTeams are the teams the default catalogue names.
var defaultTeams = []string{
	"waste", "street-scene", "highways", "street-lighting", "grounds-maintenance",
	"environmental-protection", "parking", "blue-badge", "council-tax", "benefits",
	"housing-repairs", "customer-relations", "complaints-review", "members-enquiries",
}

// Channel sets: street reports come from anywhere, FixMyStreet included;
// services that need to know who the resident is are not on Open311.
var (
	streetChannels   = AllChannels
	personalChannels = []string{ChannelWeb, ChannelKiosk, ChannelAssisted, ChannelPhone}
)

// spec is a service's structure, without words.
type spec struct {
	code, group, team string
	tier              Tier
	channels          []string
	target            int
	unit              Unit
	anonymous         bool
	related           []string
	questions         []qspec
	complaint         *Complaint
}

// qspec is a question's structure. shared questions take their words from
// Catalogue_common_q_<id>_..., the rest from the service's own messages.
type qspec struct {
	id       string
	typ      QuestionType
	required bool
	hint     bool
	shared   bool
	options  []string
	maxLen   int
	min, max *float64
	showIf   *ShowIf
}

func question(id string, typ QuestionType, required bool) qspec {
	return qspec{id: id, typ: typ, required: required}
}

func choice(id string, required bool, options ...string) qspec {
	return qspec{id: id, typ: TypeChoice, required: required, options: options}
}

func number(id string, required bool, lo, hi float64) qspec {
	return qspec{id: id, typ: TypeNumber, required: required, min: &lo, max: &hi}
}

func text(id string, required bool, maxLen int) qspec {
	return qspec{id: id, typ: TypeText, required: required, maxLen: maxLen}
}

func (q qspec) withHint() qspec { q.hint = true; return q }

func (q qspec) when(question, equals string) qspec {
	q.showIf = &ShowIf{Question: question, Equals: equals}
	return q
}

// Questions many services ask, with shared words.
var (
	qLocation    = qspec{id: "location", typ: TypePoint, required: true, hint: true, shared: true}
	qPhotos      = qspec{id: "photos", typ: TypePhoto, hint: true, shared: true}
	qDetails     = qspec{id: "details", typ: TypeTextarea, maxLen: 2000, shared: true}
	qAddress     = qspec{id: "address", typ: TypeAddress, required: true, hint: true, shared: true}
	qServiceArea = qspec{id: "service-area", typ: TypeChoice, required: true, shared: true, options: serviceAreas}
	yes          = "true"
	otherValue   = "other"
)

var serviceAreas = []string{"waste", "streets", "roads", "parking", "housing", "council-tax", "benefits", "other"}

// builder turns specs into services, looking every word up.
type builder struct {
	localize func(lang, messageID string) string
	langs    []string
}

// text looks id up in every language. A language without the message (the
// lookup gives back the id, or nothing) is left out, so it falls back to
// English and a test can see the gap.
func (b builder) text(id string, optional bool) Text {
	t := Text{}
	for _, lang := range b.langs {
		if s := b.localize(lang, id); s != "" && s != id {
			t[lang] = s
		}
	}
	if optional && len(t) == 0 {
		return nil
	}
	return t
}

func (b builder) service(s spec) Service {
	m := "Catalogue_" + s.code + "_"
	svc := Service{
		Code: s.code, Name: b.text(m+"name", false), Description: b.text(m+"description", false),
		Group: s.group, Tier: s.tier, Channels: slices.Clone(s.channels), Team: s.team,
		Standard: Standard{
			Target: s.target, Unit: s.unit,
			WeWill: b.text(m+"we_will", false), WeAsk: b.text(m+"we_ask", false),
		},
		Anonymous: s.anonymous, Related: slices.Clone(s.related), Complaint: s.complaint,
		Form: Form{Version: 1, Questions: make([]Question, len(s.questions))},
	}
	if svc.Related == nil {
		svc.Related = []string{}
	}
	for i, q := range s.questions {
		svc.Form.Questions[i] = b.question(s.code, q)
	}
	return svc
}

func (b builder) question(code string, q qspec) Question {
	m := "Catalogue_" + code + "_q_" + q.id + "_"
	if q.shared {
		m = "Catalogue_common_q_" + q.id + "_"
	}
	out := Question{
		ID: q.id, Type: q.typ, Label: b.text(m+"label", false), Required: q.required,
		MaxLength: q.maxLen, Min: q.min, Max: q.max, ShowIf: q.showIf,
	}
	if q.hint {
		out.Hint = b.text(m+"hint", false)
	}
	for _, v := range q.options {
		out.Options = append(out.Options, Option{Value: v, Label: b.text(m+"opt_"+v, false)})
	}
	return out
}
