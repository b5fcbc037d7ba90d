package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
)

// decodeJSON reads the request body into v (a pointer), strictly: the body
// must be declared JSON (application/json or application/*+json, UTF-8,
// no content coding), hold exactly one JSON value and no field v does not
// have. Anything else is a 4xx problem whose errors point (RFC 6901) at the
// offending part of the body.
func decodeJSON(c *fiber.Ctx, v any) error {
	if !isJSONMediaType(c.Get(fiber.HeaderContentType)) {
		return &problem{kind: kindUnsupportedMedia}
	}
	// c.Body() would inflate a gzip body without limit; we take none.
	if ce := c.Get(fiber.HeaderContentEncoding); ce != "" && !strings.EqualFold(ce, "identity") {
		return &problem{kind: kindUnsupportedMedia}
	}
	return decodeBody(c.Request().Body(), v)
}

func isJSONMediaType(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return false
	}
	typ, sub, _ := strings.Cut(mt, "/")
	return typ == "application" && (sub == "json" || strings.HasSuffix(sub, "+json"))
}

func decodeBody(body []byte, v any) error {
	if !utf8.Valid(body) {
		// encoding/json would quietly turn bad bytes into U+FFFD: refuse instead.
		return bodyProblem(kindMalformedJSON, "", "BodyNotUTF8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, err := dec.Token(); err != io.EOF {
			return bodyProblem(kindMalformedJSON, "", "BodyTrailing")
		}
		return nil
	}
	var (
		syntax  *json.SyntaxError
		typeErr *json.UnmarshalTypeError
		invalid *json.InvalidUnmarshalError
	)
	switch {
	case errors.Is(err, io.EOF):
		return bodyProblem(kindMalformedJSON, "", "BodyEmpty")
	case errors.As(err, &invalid):
		return err // v is not a pointer: a bug, not bad input
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return bodyProblem(kindMalformedJSON, locate(body, nil, nil).pointer, "FieldSyntax")
	case errors.As(err, &typeErr):
		return bodyProblem(kindInvalidBody, locate(body, nil, findOffset(typeErr.Offset)).pointer, typeMessage(typeErr))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return bodyProblem(kindInvalidBody, locate(body, reflect.TypeOf(v), findUnknownField).pointer, "FieldUnknown")
	default:
		// A field's own UnmarshalJSON or UnmarshalText refused its value.
		at := locate(body, reflect.TypeOf(v), findRefusedValue)
		msg := "FieldInvalidValue"
		if at.typ == timeType {
			msg = "FieldWantTime"
		}
		return bodyProblem(kindInvalidBody, at.pointer, msg)
	}
}

func bodyProblem(kind problemKind, pointer, message string) *problem {
	return &problem{kind: kind, fields: []fieldError{{pointer: pointer, message: message}}}
}

// typeMessage says what the value should have been, in the words of JSON.
func typeMessage(e *json.UnmarshalTypeError) string {
	t := e.Type
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	number, literal := strings.CutPrefix(e.Value, "number ")
	switch t.Kind() {
	case reflect.String:
		return "FieldWantString"
	case reflect.Bool:
		return "FieldWantBoolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if literal && strings.ContainsAny(number, ".eE") {
			return "FieldWantInteger"
		}
		if literal {
			return "FieldOutOfRange"
		}
		return "FieldWantInteger"
	case reflect.Float32, reflect.Float64:
		if literal {
			return "FieldOutOfRange"
		}
		return "FieldWantNumber"
	case reflect.Struct, reflect.Map:
		if t == timeType {
			return "FieldWantTime"
		}
		return "FieldWantObject"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && e.Value != "array" {
			return "FieldWantString" // []byte is base64 text
		}
		return "FieldWantArray"
	}
	return "FieldInvalidValue"
}
