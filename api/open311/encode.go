package open311

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrFormat is a format other than "json" or "xml".
var ErrFormat = errors.New("open311: unknown format")

// ContentType is the specification's content type for a format.
func ContentType(format string) string {
	if format == "xml" {
		return "text/xml; charset=utf-8"
	}
	return "application/json; charset=utf-8"
}

// Encode writes v as the specification's document in format "json" or
// "xml". v is []ServiceEntry, ServiceDefinition, []Request, []PostResponse,
// []Error or DiscoveryDoc (a single Request, PostResponse or Error is
// written as a list of one, as the specification does).
//
// Both formats come from one tree, and JSON follows the specification's
// "Spark convention": the root element is dropped, a container of repeated
// elements is an array (even of one), and an empty element is null. Text
// loses what XML 1.0 cannot carry (control characters other than tab and
// line breaks, invalid UTF-8 becomes U+FFFD), in both formats alike.
func Encode(w io.Writer, format string, v any) error {
	if format != "json" && format != "xml" {
		return fmt.Errorf("%w %q", ErrFormat, format)
	}
	root, err := document(v)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if format == "xml" {
		b.WriteString(xml.Header)
		root.xml(&b)
	} else {
		root.json(&b)
	}
	b.WriteByte('\n')
	_, err = w.Write(b.Bytes())
	return err
}

// kind is what a node holds.
type kind uint8

const (
	kindText   kind = iota // a string
	kindRaw                // a number or boolean, written as is
	kindNull               // nothing: null in JSON, an empty element in XML
	kindObject             // named children
	kindList               // repeated children: an array in JSON
)

// node is one element of a document.
type node struct {
	name string
	kind kind
	text string
	kids []node
}

func text(name, s string) node {
	if s = clean(s); s == "" {
		return node{name: name, kind: kindNull}
	}
	return node{name: name, kind: kindText, text: s}
}

func boolean(name string, v bool) node {
	return node{name: name, kind: kindRaw, text: strconv.FormatBool(v)}
}

func integer(name string, v int) node {
	return node{name: name, kind: kindRaw, text: strconv.Itoa(v)}
}

func number(name string, v *float64) node {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return node{name: name, kind: kindNull}
	}
	return node{name: name, kind: kindRaw, text: strconv.FormatFloat(*v, 'f', -1, 64)}
}

func datetime(name string, t time.Time) node { return text(name, FormatTime(t)) }

func object(name string, kids ...node) node { return node{name: name, kind: kindObject, kids: kids} }
func list(name string, kids []node) node    { return node{name: name, kind: kindList, kids: kids} }

// clean keeps what an XML 1.0 document may hold.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r',
			r >= 0x20 && r <= 0xD7FF,
			r >= 0xE000 && r <= 0xFFFD,
			r >= 0x10000 && r <= 0x10FFFF:
			return r
		}
		return -1
	}, s)
}

func (n node) xml(b *bytes.Buffer) {
	b.WriteString("<" + n.name + ">")
	switch n.kind {
	case kindText:
		xml.EscapeText(b, []byte(n.text)) // writes to a buffer: cannot fail
	case kindRaw:
		b.WriteString(n.text)
	case kindObject, kindList:
		for _, k := range n.kids {
			k.xml(b)
		}
	}
	b.WriteString("</" + n.name + ">")
}

func (n node) json(b *bytes.Buffer) {
	switch n.kind {
	case kindText:
		b.Write(mustJSON(n.text))
	case kindRaw:
		b.WriteString(n.text)
	case kindNull:
		b.WriteString("null")
	case kindList:
		b.WriteByte('[')
		for i, k := range n.kids {
			if i > 0 {
				b.WriteByte(',')
			}
			k.json(b)
		}
		b.WriteByte(']')
	case kindObject:
		b.WriteByte('{')
		for i, k := range n.kids {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(mustJSON(k.name))
			b.WriteByte(':')
			k.json(b)
		}
		b.WriteByte('}')
	}
}
