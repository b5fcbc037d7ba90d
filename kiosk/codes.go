package kiosk

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Codes that people type (enrolment, letters) are drawn from 30 symbols
// that cannot be mistaken for one another on a screen or a printed page: no
// 0/O, 1/I/L, and no U (fewer accidental words). They are shown in groups
// of four, XXXX-XXXX, and read back in any case, with or without the
// hyphens and spaces.
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"

// Lengths of the typed codes: an enrolment code lives ten minutes (30^8,
// about 39 bits); a letter code a month, so it gets 30^12 (about 59 bits).
const (
	enrolCodeLen  = 8
	letterCodeLen = 12
)

// newCode is n uniform symbols of codeAlphabet.
func newCode(n int) string {
	const limit = 256 - 256%len(codeAlphabet) // rejection keeps every symbol equally likely
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		rand.Read(buf)
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, codeAlphabet[int(b)%len(codeAlphabet)])
			}
		}
	}
	return string(out)
}

// formatCode shows a code in groups of four: "K7MQ-2XPT".
func formatCode(code string) string {
	var b strings.Builder
	for i := 0; i < len(code); i += 4 {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(code[i:min(i+4, len(code))])
	}
	return b.String()
}

// normalizeCode reads a typed or scanned code of n symbols: case, hyphens
// and spaces do not matter. ok is false for anything that cannot be one.
func normalizeCode(in string, n int) (string, bool) {
	if len(in) > 4*n {
		return "", false
	}
	var b strings.Builder
	for _, r := range in {
		switch {
		case r == '-' || unicode.IsSpace(r):
			continue
		case r >= utf8.RuneSelf:
			return "", false
		}
		c := byte(unicode.ToUpper(r))
		if strings.IndexByte(codeAlphabet, c) < 0 {
			return "", false
		}
		b.WriteByte(c)
	}
	if b.Len() != n {
		return "", false
	}
	return b.String(), true
}

// codeHash is how a typed code is stored: SHA-256, hex, with its purpose
// mixed in so that one kind of code never answers for another.
func codeHash(purpose, code string) string {
	sum := sha256.Sum256([]byte(purpose + "\x00" + code))
	return hex.EncodeToString(sum[:])
}

// Opaque credentials (a device's, a hand-off link's) are a prefix and 256
// random bits in base64url; only their SHA-256 is stored, and the random
// bits make a slow hash unnecessary.
const (
	tokenBytes    = 32
	devicePrefix  = "fdk_"
	handOffPrefix = "fdh_"
	tokenBodyLen  = 43 // base64url of 32 bytes, unpadded
)

// newToken makes a credential with prefix and returns it with its hash.
func newToken(prefix string) (value, hash string) {
	b := make([]byte, tokenBytes)
	rand.Read(b)
	value = prefix + base64.RawURLEncoding.EncodeToString(b)
	hash, _ = tokenHash(prefix, value)
	return value, hash
}

// tokenHash checks a presented credential's shape before it costs a store
// read, and returns the hash it is stored under.
func tokenHash(prefix, token string) (string, bool) {
	body, ok := strings.CutPrefix(token, prefix)
	if !ok || len(body) != tokenBodyLen {
		return "", false
	}
	if b, err := base64.RawURLEncoding.Strict().DecodeString(body); err != nil || len(b) != tokenBytes {
		return "", false
	}
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:]), true
}
