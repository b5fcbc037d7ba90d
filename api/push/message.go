package push

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	webpush "github.com/SherClockHolmes/webpush-go"
)

// Message is one notification. Title, Body, URL and Tag reach the browser
// (the service worker shows them); Kind picks the delivery rules; Ref is
// the caller's own id for the event (the notifications layer's), kept with
// the job, handed back to OnUndeliverable and making repeats of one event
// to one subscription a single message.
type Message struct {
	Title string `json:"title"`
	Body  string `json:"body,omitempty"`
	URL   string `json:"url,omitempty"` // a path ("/cases/…") or an https URL, opened on click
	Tag   string `json:"tag,omitempty"` // a newer message with the same tag replaces the older one
	Kind  string `json:"kind"`
	Ref   string `json:"ref,omitempty"`
}

// Kinds of message.
const (
	KindCode     = "code"     // a sign-in code
	KindCase     = "case"     // a case received, updated, resolved; a complaint answered
	KindAccount  = "account"  // Tell Us Once progress
	KindAlert    = "alert"    // a service alert to an area
	KindReminder = "reminder" // a collection reminder
)

// kindRule is how the push service should treat a kind (RFC 8030 section
// 5): how long to keep it for an offline device, how urgently to wake one,
// and whether a newer message with the same tag replaces a pending one.
type kindRule struct {
	urgency webpush.Urgency
	ttl     time.Duration
	topic   bool
}

// RFC 8030 has no "very-high": a sign-in code gets "high", the most a push
// service honours, and a short life, since it expires anyway.
var kinds = map[string]kindRule{
	KindCode:     {webpush.UrgencyHigh, 10 * time.Minute, false},
	KindCase:     {webpush.UrgencyNormal, 24 * time.Hour, true},
	KindAccount:  {webpush.UrgencyNormal, 24 * time.Hour, true},
	KindAlert:    {webpush.UrgencyHigh, 12 * time.Hour, true},
	KindReminder: {webpush.UrgencyLow, 12 * time.Hour, true},
}

// Limits on a message. The body may be longer than fits in one push: it is
// shortened, on a character boundary and with "…", when it is sent.
const (
	maxTitle = 120  // characters
	maxBody  = 2000 // characters
	maxURL   = 512  // bytes
	maxTag   = 64   // bytes
	maxRef   = 128  // bytes: it goes into the outbox key, which holds 200
)

// Validate checks a message before it is enqueued.
func (m *Message) Validate() error {
	var c checker
	switch n := utf8.RuneCountInString(m.Title); {
	case n == 0:
		c.Add("/title", MsgRequired)
	case n > maxTitle:
		c.AddCount("/title", MsgTooLong, maxTitle)
	case !printable(m.Title, false):
		c.Add("/title", MsgInvalidValue)
	}
	if utf8.RuneCountInString(m.Body) > maxBody {
		c.AddCount("/body", MsgTooLong, maxBody)
	} else if !printable(m.Body, true) {
		c.Add("/body", MsgInvalidValue)
	}
	if m.URL != "" && !validLink(m.URL) {
		c.Add("/url", MsgInvalidValue)
	}
	if len(m.Tag) > maxTag || !printable(m.Tag, false) {
		c.Add("/tag", MsgInvalidValue)
	}
	if _, ok := kinds[m.Kind]; !ok {
		c.Add("/kind", MsgNotAllowed)
	}
	if len(m.Ref) > maxRef || !printable(m.Ref, false) {
		c.Add("/ref", MsgInvalidValue)
	}
	return c.Err()
}

// validLink allows a path on our own site or an https URL; never
// javascript:, data: or a scheme-relative "//host".
func validLink(s string) bool {
	if len(s) > maxURL || !printable(s, false) || strings.ContainsAny(s, " \\") {
		return false
	}
	if strings.HasPrefix(s, "/") {
		return !strings.HasPrefix(s, "//")
	}
	return strings.HasPrefix(s, "https://") && len(s) > len("https://")
}

// topic is the RFC 8030 Topic for a message, or "" for none: a hash of kind
// and tag, since the push service sees it (a tag may hold a case
// reference) and the header allows only 32 base64url characters.
func (m *Message) topic() string {
	if !kinds[m.Kind].topic || m.Tag == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(m.Kind + "\x00" + m.Tag))
	return b64.EncodeToString(sum[:])[:32]
}

// Sizes on the wire. webpush-go writes one record of exactly RecordSize
// bytes: an 86-byte header (salt, rs, key id length, our 65-byte key), then
// the payload, its delimiter and zero padding, and a 16-byte tag. It pads to
// 4096 by default, which Firefox on Android (through FCM) refuses; 2700
// bytes pass everywhere. Below that the record is padded to a multiple of
// padStep, so the push service learns little of a message from its size.
const (
	maxRecordSize = 2700
	recordFixed   = 86 + 1 + 16 // header, delimiter, AEAD tag
	padStep       = 256
	maxPayload    = maxRecordSize - recordFixed
)

// recordSize is the record size for a payload of n bytes.
func recordSize(n int) uint32 {
	rs := (n + recordFixed + padStep - 1) / padStep * padStep
	return uint32(min(rs, maxRecordSize))
}

var errTooBig = errors.New("push: title, url and tag alone are too big for a push message")

// payload is the JSON the service worker reads, made to fit limit bytes
// by cutting the body: the longest cut that fits, found by bisection,
// since escaping makes bytes of text and bytes of JSON differ.
func payload(m Message, limit int) ([]byte, error) {
	if b := encodePayload(m.Title, m.Body, m.URL, m.Tag); len(b) <= limit {
		return b, nil
	}
	if b := encodePayload(m.Title, "", m.URL, m.Tag); len(b) > limit {
		return nil, errTooBig
	}
	tooLong := sort.Search(len(m.Body), func(n int) bool {
		return len(encodePayload(m.Title, shorten(m.Body, n), m.URL, m.Tag)) > limit
	})
	return encodePayload(m.Title, shorten(m.Body, tooLong-1), m.URL, m.Tag), nil
}

func encodePayload(title, body, url, tag string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "<" as \u003c would take six bytes of a tight budget
	enc.Encode(struct {
		Title string `json:"title"`
		Body  string `json:"body"`
		URL   string `json:"url,omitempty"`
		Tag   string `json:"tag,omitempty"`
	}{title, body, url, tag})
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

const ellipsis = "…"

// shorten cuts s to at most n bytes on a character boundary and marks the
// cut with "…" (which adds its 3 bytes); n <= 0 leaves nothing.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.TrimRight(s[:n], " \n") + ellipsis
}
