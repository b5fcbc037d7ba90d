package store

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// TimeLayout is how engines that keep times as text write them: UTC with
// milliseconds and fixed width, so text order is time order.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// Encode turns a document into its portable form, following encoding/json's
// rules for field names (json tags, omitempty, "-", embedded structs), so that
// the JSON an engine returns decodes straight back into the same type.
func Encode(v any) (Doc, error) {
	n, err := encodeValue(v)
	if err != nil {
		return nil, err
	}
	d, ok := n.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: a document must be a struct or map, not %T", ErrInvalid, v)
	}
	return d, nil
}

func encodeValue(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	return encodeReflect(reflect.ValueOf(v))
}

var (
	timeType          = reflect.TypeFor[time.Time]()
	numberType        = reflect.TypeFor[json.Number]()
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	isZeroerType      = reflect.TypeFor[interface{ IsZero() bool }]()
)

// implementer returns what encoding/json would call iface's method on: rv, or
// its address when the method has a pointer receiver and rv is addressable.
func implementer(rv reflect.Value, iface reflect.Type) (any, bool) {
	if rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface || !rv.CanInterface() {
		return nil, false
	}
	if rv.Type().Implements(iface) {
		return rv.Interface(), true
	}
	if rv.CanAddr() && reflect.PointerTo(rv.Type()).Implements(iface) {
		return rv.Addr().Interface(), true
	}
	return nil, false
}

func encodeReflect(rv reflect.Value) (any, error) {
	if !rv.IsValid() {
		return nil, nil
	}
	if v, ok, err := encodeOwnForm(rv); ok {
		return v, err
	}
	t := rv.Type()
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil, nil
		}
		return encodeReflect(rv.Elem())
	case reflect.Bool:
		return rv.Bool(), nil
	case reflect.String:
		return validUTF8(rv.String()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		if u > math.MaxInt64 {
			return nil, fmt.Errorf("%w: %d does not fit in int64", ErrInvalid, u)
		}
		return int64(u), nil
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%w: %v is not a number JSON can hold", ErrInvalid, f)
		}
		return f, nil
	case reflect.Slice:
		if rv.IsNil() {
			return nil, nil
		}
		if t.Elem().Kind() == reflect.Uint8 {
			return base64.StdEncoding.EncodeToString(rv.Bytes()), nil
		}
		fallthrough
	case reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			e, err := encodeReflect(rv.Index(i))
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	case reflect.Map:
		if rv.IsNil() {
			return nil, nil
		}
		if t.Key().Kind() != reflect.String {
			return viaJSON(rv.Interface()) // integer keys and the like: let encoding/json name them
		}
		out := make(map[string]any, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			e, err := encodeReflect(it.Value())
			if err != nil {
				return nil, err
			}
			out[validUTF8(it.Key().String())] = e
		}
		return out, nil
	case reflect.Struct:
		return encodeStruct(rv)
	}
	return nil, fmt.Errorf("%w: cannot store a %s", ErrInvalid, t)
}

// encodeOwnForm handles the types with a form of their own: times, and what
// has a MarshalJSON or MarshalText method, or is a json.Number.
func encodeOwnForm(rv reflect.Value) (any, bool, error) {
	t := rv.Type()
	if t == timeType {
		tm := rv.Interface().(time.Time)
		if y := tm.UTC().Year(); y < 1 || y > 9999 {
			return nil, true, fmt.Errorf("%w: time %v outside years 1-9999", ErrInvalid, tm)
		}
		return tm.UTC().Truncate(time.Millisecond), true, nil
	}
	if m, ok := implementer(rv, jsonMarshalerType); ok || t == numberType && rv.CanInterface() {
		if !ok {
			m = rv.Interface() // a json.Number is a number, as encoding/json writes it
		}
		v, err := viaJSON(m)
		return v, true, err
	}
	if m, ok := implementer(rv, textMarshalerType); ok {
		b, err := m.(encoding.TextMarshaler).MarshalText()
		if err != nil {
			return nil, true, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		return string(b), true, nil
	}
	return nil, false, nil
}

func encodeStruct(rv reflect.Value) (map[string]any, error) {
	fields := structFields(rv.Type())
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		fv, ok := fieldByIndex(rv, f.index)
		if !ok {
			continue // nil embedded pointer
		}
		if f.omitEmpty && isEmpty(fv) || f.omitZero && isZero(fv) {
			continue
		}
		encode := encodeReflect
		if f.asString {
			encode = encodeQuoted
		}
		e, err := encode(fv)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		if e == nil {
			continue // null and missing are the same thing in the store
		}
		out[f.name] = e
	}
	return out, nil
}

// encodeQuoted follows the ",string" option: a scalar is stored as the text of
// its JSON form (a string's JSON form keeps its quotes); marshalers ignore it.
func encodeQuoted(rv reflect.Value) (any, error) {
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil, nil
		}
		rv = rv.Elem()
	}
	if _, ok := implementer(rv, jsonMarshalerType); ok || !rv.CanInterface() {
		return encodeReflect(rv)
	}
	if _, ok := implementer(rv, textMarshalerType); ok {
		return encodeReflect(rv)
	}
	b, err := json.Marshal(rv.Interface())
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return string(b), nil
}

// viaJSON handles types with their own JSON form by asking encoding/json.
func viaJSON(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return fromJSON(tree), nil
}

// fromJSON maps a decoded JSON tree (with json.Number) to portable values.
func fromJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = fromJSON(x[i])
		}
	case map[string]any:
		for k := range x {
			if x[k] = fromJSON(x[k]); x[k] == nil {
				delete(x, k)
			}
		}
	}
	return v
}

type field struct {
	name      string
	index     []int
	tagged    bool
	omitEmpty bool
	omitZero  bool
	asString  bool
}

var fieldCache sync.Map // reflect.Type -> []field

// structFields lists a struct's JSON fields by encoding/json's rules: tags,
// "-", omitempty, omitzero, ",string", and embedded structs flattened, where
// the shallowest field of a name wins, a tagged one among equals, and a tie
// leaves the name out (deeper fields of that name included).
func structFields(t reflect.Type) []field {
	if f, ok := fieldCache.Load(t); ok {
		return f.([]field)
	}
	type embedded struct {
		t     reflect.Type
		index []int
	}
	var out []field
	taken := map[string]bool{}
	visited := map[reflect.Type]bool{} // a type embedded again deeper adds nothing
	for level := []embedded{{t, nil}}; len(level) > 0; {
		var next []embedded
		count := map[reflect.Type]int{}
		for _, e := range level {
			count[e.t]++
		}
		byName := map[string][]field{}
		var names []string
		for _, e := range level {
			if visited[e.t] {
				continue
			}
			visited[e.t] = true
			for i := range e.t.NumField() {
				f, inner, ok := structField(e.t.Field(i), append(cloneIndex(e.index), i))
				if inner != nil {
					next = append(next, embedded{inner, f.index})
				}
				if !ok || taken[f.name] {
					continue
				}
				if byName[f.name] == nil {
					names = append(names, f.name)
				}
				for range count[e.t] { // embedded twice at this depth: a tie
					byName[f.name] = append(byName[f.name], f)
				}
			}
		}
		for _, name := range names {
			taken[name] = true
			if f, ok := dominant(byName[name]); ok {
				out = append(out, f)
			}
		}
		level = next
	}
	fieldCache.Store(t, out)
	return out
}

// structField reads one field's tag: a field to encode (ok), or an embedded
// struct to flatten (inner), or neither.
func structField(sf reflect.StructField, index []int) (f field, inner reflect.Type, ok bool) {
	tag := sf.Tag.Get("json")
	if tag == "-" {
		return f, nil, false
	}
	name, opts, _ := strings.Cut(tag, ",")
	if !validTagName(name) {
		name = ""
	}
	ft := sf.Type
	if ft.Kind() == reflect.Pointer {
		ft = ft.Elem()
	}
	f = field{name: name, index: index, tagged: name != ""}
	if sf.Anonymous && name == "" && ft.Kind() == reflect.Struct {
		return f, ft, false
	}
	if !sf.IsExported() && !(sf.Anonymous && ft.Kind() == reflect.Struct) {
		return f, nil, false
	}
	if name == "" {
		f.name = sf.Name
	}
	has := func(opt string) bool { return strings.Contains(","+opts+",", ","+opt+",") }
	f.omitEmpty, f.omitZero = has("omitempty"), has("omitzero")
	switch ft.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.String:
		f.asString = has("string")
	}
	return f, nil, true
}

// dominant picks the field that owns a name among those at one depth.
func dominant(fs []field) (field, bool) {
	if len(fs) == 1 {
		return fs[0], true
	}
	var win []field
	for _, f := range fs {
		if f.tagged {
			win = append(win, f)
		}
	}
	if len(win) == 1 {
		return win[0], true
	}
	return field{}, false
}

// validUTF8 replaces each invalid byte with U+FFFD, as encoding/json does, so
// every engine stores the same text.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s { // an invalid byte comes out as one RuneError
		b.WriteRune(r)
	}
	return b.String()
}

func validTagName(s string) bool {
	for _, c := range s {
		if !unicode.IsLetter(c) && !unicode.IsDigit(c) && !strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c) {
			return false
		}
	}
	return true
}

func cloneIndex(index []int) []int { return append([]int(nil), index...) }

func fieldByIndex(rv reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && rv.Kind() == reflect.Pointer {
			if rv.IsNil() {
				return reflect.Value{}, false
			}
			rv = rv.Elem()
		}
		rv = rv.Field(x)
	}
	return rv, true
}

func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// isZero is omitzero's test: the value's own IsZero method when it has one.
func isZero(v reflect.Value) bool {
	if (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && v.IsNil() {
		return true
	}
	if v.Kind() == reflect.Interface && v.Elem().Kind() == reflect.Pointer && v.Elem().IsNil() {
		return true
	}
	if v.CanInterface() && v.Type().Implements(isZeroerType) {
		return v.Interface().(interface{ IsZero() bool }).IsZero()
	}
	if v.CanInterface() && reflect.PointerTo(v.Type()).Implements(isZeroerType) {
		p := reflect.New(v.Type())
		p.Elem().Set(v)
		return p.Interface().(interface{ IsZero() bool }).IsZero()
	}
	return v.IsZero()
}
