package notify

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// errHeaderValue refuses a header value that could end the header early
// and start another (header injection), or that is not text.
var errHeaderValue = errors.New("notify: header value holds a line break, a control character or invalid UTF-8")

// mailMessage is one plain-text email as RFC 5322 and MIME (RFC 2045-2047)
// want it.
type mailMessage struct {
	From      mail.Address
	To        string // a bare address
	Subject   string
	Body      string
	Date      time.Time
	MessageID string // without the angle brackets
}

// Bytes is the message with CRLF line endings, its subject in RFC 2047
// encoded-words when it is not plain ASCII, and its body quoted-printable.
func (m mailMessage) Bytes() ([]byte, error) {
	for _, v := range []string{m.From.Name, m.From.Address, m.To, m.Subject, m.MessageID} {
		if err := checkHeaderValue(v); err != nil {
			return nil, err
		}
	}
	var b bytes.Buffer
	header := func(name, value string) { b.WriteString(name + ": " + value + "\r\n") }
	header("From", m.From.String())
	header("To", (&mail.Address{Address: m.To}).String())
	// Mail readers drop the whitespace around a header's value anyway.
	b.WriteString(encodeHeader("Subject", strings.TrimSpace(m.Subject)))
	header("Date", m.Date.Format(time.RFC1123Z))
	header("Message-ID", "<"+m.MessageID+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("Auto-Submitted", "auto-generated") // RFC 3834: no out-of-office replies, please
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	body := strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(strings.ToValidUTF8(m.Body, "\uFFFD"))
	if !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	if _, err := qp.Write([]byte(body)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// checkHeaderValue allows printable UTF-8 and tabs only.
func checkHeaderValue(v string) error {
	if !utf8.ValidString(v) {
		return errHeaderValue
	}
	for _, r := range v {
		if r < ' ' && r != '\t' || r == 0x7f || r >= 0x80 && r < 0xa0 || r == '\u2028' || r == '\u2029' {
			return errHeaderValue
		}
	}
	return nil
}

// maxPlainHeader is the longest plain ASCII value written as it is (folded
// at spaces); anything longer, or not plain, becomes encoded-words, whose
// lines are always short.
const maxPlainHeader = 800

// encodeHeader writes one header field, folded with CRLF and a space. The
// value has passed checkHeaderValue.
func encodeHeader(name, v string) string {
	if plainASCII(v) && len(v) <= maxPlainHeader {
		return foldASCII(name, v) + "\r\n"
	}
	return name + ": " + encodeWords(v) + "\r\n"
}

// plainASCII is printable ASCII that a reader could not mistake for an
// encoded-word.
func plainASCII(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] < ' ' || v[i] > '~' {
			return false
		}
	}
	return !strings.Contains(v, "=?")
}

// foldASCII writes "name: v" broken at spaces so lines stay within 78
// characters where the words allow it (a longer word keeps its line).
func foldASCII(name, v string) string {
	var b strings.Builder
	line, start := name+": "+v, len(name)+2 // never fold before the value
	for len(line) > 78 {
		i := strings.LastIndexByte(line[:78], ' ')
		if i < start {
			j := strings.IndexByte(line[78:], ' ')
			if j < 0 {
				break
			}
			i = 78 + j
		}
		b.WriteString(line[:i] + "\r\n")
		line, start = line[i:], 1 // the space starts the continuation line
	}
	b.WriteString(line)
	return b.String()
}

// wordBytes is how much text one encoded-word holds: 39 bytes make 52
// base64 characters, a 64-character word, so "Subject: " and the first
// word fit in 78.
const wordBytes = 39

// encodeWords encodes v as RFC 2047 "B" encoded-words of UTF-8, never
// splitting a character, one word per line.
func encodeWords(v string) string {
	var words []string
	for v != "" {
		n := min(len(v), wordBytes)
		for n < len(v) && !utf8.RuneStart(v[n]) {
			n--
		}
		words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString([]byte(v[:n]))+"?=")
		v = v[n:]
	}
	return strings.Join(words, "\r\n ")
}

// newMessageID makes a unique Message-ID at the sender's domain.
func newMessageID(from string) string {
	var r [16]byte
	rand.Read(r[:])
	domain := "localhost"
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i < len(from)-1 {
		domain = from[i+1:]
	}
	return fmt.Sprintf("%s@%s", hex.EncodeToString(r[:]), domain)
}
