package open311

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"frontdoor/api/catalogue"
	"frontdoor/api/store"
	"frontdoor/api/store/sqlite"
)

var ctx = context.Background()

// shape is a document's structure without its values: element or key
// names, nesting and order. XML becomes a shape by the specification's
// Spark convention (a container of one repeated element is an array), so
// XML and JSON shapes compare alike.
type shape struct {
	name  string
	kind  string // "leaf", "object", "array"
	kids  []shape
	value string // leaves only, for tests that look at values
}

func jsonShape(tb testing.TB, b []byte) shape {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	s, err := readJSON(dec, "")
	if err != nil {
		tb.Fatalf("invalid JSON: %v\n%s", err, b)
	}
	if _, err := dec.Token(); err != io.EOF {
		tb.Fatalf("trailing data after the JSON value: %v", err)
	}
	return s
}

func readJSON(dec *json.Decoder, name string) (shape, error) {
	tok, err := dec.Token()
	if err != nil {
		return shape{}, err
	}
	s := shape{name: name, kind: "leaf"}
	switch tok {
	case json.Delim('{'):
		s.kind = "object"
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				return s, err
			}
			kid, err := readJSON(dec, key.(string))
			if err != nil {
				return s, err
			}
			s.kids = append(s.kids, kid)
		}
		_, err = dec.Token()
	case json.Delim('['):
		s.kind = "array"
		for dec.More() {
			kid, err := readJSON(dec, "")
			if err != nil {
				return s, err
			}
			s.kids = append(s.kids, kid)
		}
		_, err = dec.Token()
	default:
		s.value = "null"
		if tok != nil {
			s.value = strings.TrimSpace(jsonText(tok))
		}
	}
	return s, err
}

func jsonText(tok json.Token) string {
	b, _ := json.Marshal(tok)
	if str, ok := tok.(string); ok {
		return str
	}
	return string(b)
}

// xmlShape parses a whole document strictly; the root keeps its name.
func xmlShape(tb testing.TB, b []byte) shape {
	tb.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	var stack []*shape
	var root *shape
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatalf("XML not well-formed: %v\n%s", err, b)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			s := &shape{name: t.Name.Local, kind: "leaf"}
			if len(stack) == 0 {
				root = s
			}
			stack = append(stack, s)
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].value += string(t)
			}
		case xml.EndElement:
			s := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			s.value = strings.TrimSpace(s.value)
			spark(s)
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, *s)
			}
		}
	}
	if root == nil {
		tb.Fatalf("no root element:\n%s", b)
	}
	return *root
}

// spark classifies an element: no children is a leaf, children all of one
// name an array, anything else an object.
func spark(s *shape) {
	if len(s.kids) == 0 {
		return
	}
	s.value = ""
	s.kind = "array"
	for _, k := range s.kids {
		if k.name != s.kids[0].name {
			s.kind = "object"
		}
	}
}

// asJSON is the JSON shape the Spark convention makes of an XML shape.
func asJSON(s shape) shape {
	out := shape{name: s.name, kind: s.kind, value: s.value}
	for _, k := range s.kids {
		k = asJSON(k)
		if s.kind == "array" {
			k.name = ""
		}
		out.kids = append(out.kids, k)
	}
	return out
}

// sortedNames are an element's field names as a set.
func sortedNames(s shape) []string {
	n := names(s)
	slices.Sort(n)
	return n
}

func names(s shape) []string {
	out := make([]string, len(s.kids))
	for i, k := range s.kids {
		out[i] = k.name
	}
	return out
}

// sameShape compares got with want: kinds, and object keys in order; every
// element of an array with want's first element.
func sameShape(t *testing.T, path string, want, got shape) {
	t.Helper()
	compareShape(t, path, want, got, false)
}

// sameDoc compares two renderings of one document, arrays element by element.
func sameDoc(t *testing.T, path string, want, got shape) {
	t.Helper()
	compareShape(t, path, want, got, true)
}

func compareShape(t *testing.T, path string, want, got shape, pairwise bool) {
	t.Helper()
	if want.kind != got.kind {
		t.Errorf("%s: kind %s, want %s", path, got.kind, want.kind)
		return
	}
	switch want.kind {
	case "object":
		if !slices.Equal(names(want), names(got)) {
			t.Errorf("%s: keys %v, want %v", path, names(got), names(want))
			return
		}
		for i := range want.kids {
			compareShape(t, path+"/"+want.kids[i].name, want.kids[i], got.kids[i], pairwise)
		}
	case "array":
		if len(want.kids) > 0 && len(got.kids) == 0 || pairwise && len(want.kids) != len(got.kids) {
			t.Errorf("%s: %d elements, want %d", path, len(got.kids), len(want.kids))
			return
		}
		for i, k := range got.kids {
			w := want.kids[0]
			if pairwise {
				w = want.kids[i]
			}
			compareShape(t, path+"/"+k.name+"["+strconv.Itoa(i)+"]", w, k, pairwise)
		}
	}
}

func encode(tb testing.TB, format string, v any) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := Encode(&b, format, v); err != nil {
		tb.Fatalf("Encode(%s, %T): %v", format, v, err)
	}
	return b.Bytes()
}

func form(tb testing.TB, raw string) url.Values {
	tb.Helper()
	v, err := url.ParseQuery(raw)
	if err != nil {
		tb.Fatalf("bad test query %q: %v", raw, err)
	}
	return v
}

func ptr[T any](v T) *T { return &v }

func en(s string) catalogue.Text { return catalogue.Text{"en": s} }

// pothole is a service whose form has a question of every type, to show
// what becomes a standard field and what an attribute.
func pothole() *catalogue.Service {
	return &catalogue.Service{
		Code: "pothole", Name: catalogue.Text{"en": "Pothole", "cy": "Twll yn y ffordd"},
		Description: en("A hole in the road"), Group: "streets", Channels: []string{"web", catalogue.ChannelOpen311},
		Form: catalogue.Form{Version: 3, Questions: []catalogue.Question{
			{ID: "where", Type: catalogue.TypePoint, Label: en("Where is it?"), Required: true},
			{ID: "details", Type: catalogue.TypeTextarea, Label: en("Tell us more"), MaxLength: 2000},
			{ID: "size", Type: catalogue.TypeChoice, Label: catalogue.Text{"en": "How big?", "cy": "Pa mor fawr?"}, Required: true,
				Hint: en("Compare it with a football"), Options: []catalogue.Option{
					{Value: "small", Label: catalogue.Text{"en": "Smaller", "cy": "Llai"}},
					{Value: "large", Label: en("Larger")}}},
			{ID: "depth", Type: catalogue.TypeNumber, Label: en("Depth in cm")},
			{ID: "dangerous", Type: catalogue.TypeYesNo, Label: en("Is it dangerous?"), Required: true},
			{ID: "noticed", Type: catalogue.TypeDate, Label: en("When did you notice it?")},
			{ID: "road", Type: catalogue.TypeText, Label: en("Road name")},
			{ID: "address", Type: catalogue.TypeAddress, Label: en("Nearest address")},
			{ID: "more", Type: catalogue.TypeTextarea, Label: en("Anything else?")},
			{ID: "photo", Type: catalogue.TypePhoto, Label: en("Photos"), MaxLength: 5},
			{ID: "lane", Type: catalogue.TypeText, Label: en("Which lane?"), Required: true,
				ShowIf: &catalogue.ShowIf{Question: "dangerous", Equals: "true"}},
		}},
	}
}

func openDB(tb testing.TB) *store.DB {
	tb.Helper()
	dir := tb.TempDir()
	e, err := sqlite.Open(ctx, sqlite.Options{Path: filepath.Join(dir, "f.db"), BlobDir: filepath.Join(dir, "blobs")})
	if err != nil {
		tb.Fatalf("open sqlite: %v", err)
	}
	db := store.New(e)
	tb.Cleanup(func() { db.Close() })
	return db
}

// fields lists the Field of each error, to compare with a table's want.
func errFields(errs []Error) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = e.Field
	}
	return out
}

type failingWriter struct{}

var errWrite = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errWrite }

var (
	winter = time.Date(2026, 1, 15, 9, 30, 0, 0, time.UTC)
	summer = time.Date(2026, 7, 15, 9, 30, 0, 0, time.UTC)
)
