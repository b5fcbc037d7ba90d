package open311

import (
	"frontdoor/api/catalogue"
)

// ServiceEntry is one service of GET services: the specification's
// service_code, service_name, description, metadata, type, keywords, group.
type ServiceEntry struct {
	Code        string
	Name        string
	Description string
	Metadata    bool   // the service has attributes: fetch its definition
	Type        string // always "realtime": a request id comes back at once
	Keywords    string
	Group       string
}

// ServiceDefinition is GET services/{code}: the attributes a client asks for.
type ServiceDefinition struct {
	ServiceCode string
	Attributes  []Attribute
}

// Attribute is one extra form field of a service definition.
type Attribute struct {
	Variable            bool // true: the user answers it (ours always are)
	Code                string
	Datatype            string // Datatype* below
	Required            bool
	DatatypeDescription string
	Order               int // 1-based, in form order
	Description         string
	Values              []Value // list datatypes only
}

// Value is one option of a singlevaluelist or multivaluelist attribute.
type Value struct {
	Key  string
	Name string
}

// The specification's attribute datatypes.
const (
	DatatypeString          = "string"
	DatatypeNumber          = "number"
	DatatypeDatetime        = "datetime"
	DatatypeText            = "text"
	DatatypeSingleValueList = "singlevaluelist"
	DatatypeMultiValueList  = "multivaluelist"
)

// Mapping names the form questions that the specification's standard fields
// fill; "" when the form has no such question.
//
//   - lat and long fill the first point question ({"lat", "lng"});
//   - description fills the first textarea question;
//   - address_string and address_id fill the first address question, unless
//     the client answers that question as an attribute.
//
// Point questions, photo questions and that first textarea are not
// attributes; address questions are (datatype string), so clients that
// show attributes can ask for them.
type Mapping struct {
	Point       string
	Description string
	Address     string
}

// MappingOf finds the standard-field questions of a form.
func MappingOf(f catalogue.Form) Mapping {
	var m Mapping
	for _, q := range f.Questions {
		switch {
		case q.Type == catalogue.TypePoint && m.Point == "":
			m.Point = q.ID
		case q.Type == catalogue.TypeTextarea && m.Description == "":
			m.Description = q.ID
		case q.Type == catalogue.TypeAddress && m.Address == "":
			m.Address = q.ID
		}
	}
	return m
}

// datatypes maps question types to attribute datatypes; point and photo
// questions have none (a later point question cannot be answered here).
var datatypes = map[catalogue.QuestionType]string{
	catalogue.TypeText:     DatatypeString,
	catalogue.TypeTextarea: DatatypeText,
	catalogue.TypeNumber:   DatatypeNumber,
	catalogue.TypeDate:     DatatypeDatetime,
	catalogue.TypeChoice:   DatatypeSingleValueList,
	catalogue.TypeYesNo:    DatatypeSingleValueList,
	catalogue.TypeAddress:  DatatypeString,
}

// attributeQuestions are the questions a service definition lists, in form order.
func attributeQuestions(f catalogue.Form) []catalogue.Question {
	m := MappingOf(f)
	var out []catalogue.Question
	for _, q := range f.Questions {
		if _, ok := datatypes[q.Type]; ok && q.ID != m.Description {
			out = append(out, q)
		}
	}
	return out
}

// ServiceList lists the services offered on Open311, in the order given,
// named in lang. Keywords stay empty: the catalogue has none, and some
// clients read flags from that field, so free text never goes there.
func ServiceList(svcs []*catalogue.Service, lang string) []ServiceEntry {
	out := []ServiceEntry{}
	for _, s := range svcs {
		if !Offered(s) {
			continue
		}
		out = append(out, ServiceEntry{
			Code:        s.Code,
			Name:        s.Name.In(lang),
			Description: s.Description.In(lang),
			Metadata:    len(attributeQuestions(s.Form)) > 0,
			Type:        TypeRealtime,
			Group:       s.Group,
		})
	}
	return out
}

// Definition describes a service's attributes in lang. A conditional
// question (show_if) is never required here: GeoReport cannot say "only
// when", so the form check that follows enforces it when it applies.
func Definition(svc *catalogue.Service, lang string) ServiceDefinition {
	def := ServiceDefinition{Attributes: []Attribute{}}
	if svc == nil {
		return def
	}
	def.ServiceCode = svc.Code
	for i, q := range attributeQuestions(svc.Form) {
		a := Attribute{
			Variable:            true,
			Code:                q.ID,
			Datatype:            datatypes[q.Type],
			Required:            q.Required && q.ShowIf == nil,
			DatatypeDescription: q.Hint.In(lang),
			Order:               i + 1,
			Description:         q.Label.In(lang),
		}
		if a.DatatypeDescription == "" {
			a.DatatypeDescription = formats[q.Type]
		}
		switch q.Type {
		case catalogue.TypeChoice:
			a.Values = make([]Value, len(q.Options))
			for j, o := range q.Options {
				a.Values[j] = Value{Key: o.Value, Name: o.Label.In(lang)}
			}
		case catalogue.TypeYesNo:
			yes, no := yesNo(lang)
			a.Values = []Value{{Key: "true", Name: yes}, {Key: "false", Name: no}}
		}
		def.Attributes = append(def.Attributes, a)
	}
	return def
}

// formats tells clients how to write values that Answers must parse, when
// the question has no hint of its own.
var formats = map[catalogue.QuestionType]string{
	catalogue.TypeDate:    "YYYY-MM-DD",
	catalogue.TypeAddress: "line 1, town, postcode",
}

// yesNo names the two values of a yes/no attribute in our four languages.
func yesNo(lang string) (yes, no string) {
	switch lang {
	case "cy":
		return "Ie", "Na"
	case "pl":
		return "Tak", "Nie"
	case "ar":
		return "نعم", "لا"
	}
	return "Yes", "No"
}
