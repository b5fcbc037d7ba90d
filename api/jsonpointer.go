package api

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
)

// encoding/json says what went wrong but not where, in JSON Pointer terms.
// When a body fails to decode, locate walks it again token by token,
// tracking the pointer of every value, to find the place: where the syntax
// breaks, the value at a type error's offset, an unknown field, or a value a
// field's own unmarshaller refuses. Only failed requests pay for the walk.

// maxWalkDepth stops the walk (and its recursion) on absurdly nested bodies;
// the pointer then names the deepest ancestor reached.
const maxWalkDepth = 1000

type eventKind int

const (
	evScalar     eventKind = iota // a string, number, true, false or null
	evOpen                        // { or [; end is just after it
	evClose                       // } or ]; start is where the value began
	evUnknownKey                  // an object key the target struct lacks
)

type jsonEvent struct {
	kind       eventKind
	typ        reflect.Type // what the value decodes into; nil when unknown
	start, end int64        // byte span, start possibly before the separator
	body       []byte
}

type located struct {
	pointer string
	typ     reflect.Type
}

var errStop = errors.New("stop")

type walker struct {
	dec  *json.Decoder
	body []byte
	path []string
	find func(jsonEvent) bool
	hit  *located
}

// locate walks body as JSON decoding into a value of type t (a pointer type;
// nil when types do not matter) and returns the pointer of the first value
// find accepts, else of the place where the JSON breaks, else "".
func locate(body []byte, t reflect.Type, find func(jsonEvent) bool) located {
	w := &walker{dec: json.NewDecoder(bytes.NewReader(body)), body: body, find: find}
	w.dec.UseNumber()
	if t != nil {
		t = t.Elem()
	}
	err := w.value(t)
	if w.hit != nil {
		return *w.hit
	}
	if err != nil {
		return located{pointer: w.pointer()}
	}
	return located{}
}

func (w *walker) value(t reflect.Type) error {
	if len(w.path) > maxWalkDepth {
		w.hit = &located{pointer: w.pointer()}
		return errStop
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	start := w.dec.InputOffset()
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	ev := jsonEvent{kind: evScalar, typ: t, start: start, end: w.dec.InputOffset(), body: w.body}
	switch tok {
	case json.Delim('{'), json.Delim('['):
		ev.kind = evOpen
		if w.check(ev) {
			return errStop
		}
		if tok == json.Delim('{') {
			err = w.object(t)
		} else {
			err = w.array(t)
		}
		if err != nil {
			return err
		}
		ev.kind, ev.end = evClose, w.dec.InputOffset()
	}
	if w.check(ev) {
		return errStop
	}
	return nil
}

func (w *walker) object(t reflect.Type) error {
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		w.path = append(w.path, key)
		ft, known := memberType(t, key)
		if !known && w.check(jsonEvent{kind: evUnknownKey}) {
			return errStop
		}
		if err := w.value(ft); err != nil {
			return err // the path stays at the failing member
		}
		w.path = w.path[:len(w.path)-1]
	}
	_, err := w.dec.Token()
	return err
}

func (w *walker) array(t reflect.Type) error {
	et := elemType(t)
	for i := 0; w.dec.More(); i++ {
		w.path = append(w.path, strconv.Itoa(i))
		if err := w.value(et); err != nil {
			return err
		}
		w.path = w.path[:len(w.path)-1]
	}
	_, err := w.dec.Token()
	return err
}

func (w *walker) check(ev jsonEvent) bool {
	if w.find == nil || !w.find(ev) {
		return false
	}
	w.hit = &located{pointer: w.pointer(), typ: ev.typ}
	return true
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// pointer is the RFC 6901 JSON Pointer of the current path.
func (w *walker) pointer() string {
	var b strings.Builder
	for _, seg := range w.path {
		b.WriteByte('/')
		pointerEscaper.WriteString(&b, seg)
	}
	return b.String()
}

// findOffset finds the innermost value containing a decoder error offset:
// encoding/json reports the end of a scalar, or just past the opening
// bracket of an object or array it could not take.
func findOffset(off int64) func(jsonEvent) bool {
	return func(ev jsonEvent) bool {
		return ev.kind != evUnknownKey && ev.start < off && off <= ev.end
	}
}

func findUnknownField(ev jsonEvent) bool { return ev.kind == evUnknownKey }

// findRefusedValue finds the first value whose type decodes itself and
// refuses it, by asking that type again.
func findRefusedValue(ev jsonEvent) bool {
	if (ev.kind != evScalar && ev.kind != evClose) || ev.typ == nil || ev.typ.Kind() == reflect.Interface || !decodesItself(ev.typ) {
		return false
	}
	raw := bytes.TrimLeft(ev.body[ev.start:ev.end], " \t\r\n,:")
	return json.Unmarshal(raw, reflect.New(ev.typ).Interface()) != nil
}

var (
	timeType             = reflect.TypeFor[time.Time]()
	jsonUnmarshalerType  = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType  = reflect.TypeFor[encoding.TextUnmarshaler]()
	structFieldTypeCache sync.Map // reflect.Type -> map[string]reflect.Type
)

// decodesItself: encoding/json hands the value to the type (or to whatever
// an interface holds), so its inside is not ours to check.
func decodesItself(t reflect.Type) bool {
	if t.Kind() == reflect.Interface {
		return true
	}
	p := reflect.PointerTo(t)
	return p.Implements(jsonUnmarshalerType) || p.Implements(textUnmarshalerType)
}

// memberType is the type a member of an object decodes into, and whether the
// object's type has such a member at all.
func memberType(t reflect.Type, key string) (reflect.Type, bool) {
	if t == nil || decodesItself(t) {
		return nil, true
	}
	switch t.Kind() {
	case reflect.Map:
		return t.Elem(), true
	case reflect.Struct:
		fields := structFieldTypes(t)
		if ft, ok := fields[key]; ok {
			return ft, true
		}
		for name, ft := range fields { // encoding/json matches case-insensitively too
			if strings.EqualFold(name, key) {
				return ft, true
			}
		}
		return nil, false
	}
	return nil, true
}

func elemType(t reflect.Type) reflect.Type {
	if t == nil || decodesItself(t) {
		return nil
	}
	if k := t.Kind(); k == reflect.Slice || k == reflect.Array {
		return t.Elem()
	}
	return nil
}

// structFieldTypes lists a struct's JSON members the way encoding/json names
// them: tags, "-", and embedded structs' fields promoted (outer ones win).
func structFieldTypes(t reflect.Type) map[string]reflect.Type {
	if m, ok := structFieldTypeCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	out := map[string]reflect.Type{}
	collectFields(t, out, map[reflect.Type]bool{})
	structFieldTypeCache.Store(t, out)
	return out
}

func collectFields(t reflect.Type, out map[string]reflect.Type, seen map[reflect.Type]bool) {
	if seen[t] {
		return // a struct embedding itself through a pointer
	}
	seen[t] = true
	var embedded []reflect.Type
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := sf.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if sf.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			embedded = append(embedded, ft)
			continue
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		if _, ok := out[name]; !ok {
			out[name] = sf.Type
		}
	}
	for _, et := range embedded {
		collectFields(et, out, seen)
	}
}
