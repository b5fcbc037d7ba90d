package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// Password policy (NIST SP 800-63B): length and a deny-list, no composition
// rules. Lengths count runes after NFC, so "é" typed composed or decomposed is
// one character and the same password.
const (
	PasswordMinRunes = 8
	PasswordMaxRunes = 128
)

// Message ids of PasswordError (go-i18n; localized by the HTTP layer).
// Data["Count"] holds the limit, so plural forms work.
const (
	PasswordTooShort  = "PasswordTooShort"
	PasswordTooLong   = "PasswordTooLong"
	PasswordTooCommon = "PasswordTooCommon"
	PasswordNotText   = "PasswordNotText"
)

// PasswordError says why a new password is refused.
type PasswordError struct {
	ID   string
	Data map[string]any
}

func (e *PasswordError) Error() string { return "auth: password refused: " + e.ID }

// ErrPasswordHash is a stored hash that is not a PHC string this package reads.
var ErrPasswordHash = errors.New("auth: malformed password hash")

// PasswordValidate applies the policy to a new password.
func PasswordValidate(password string) error {
	if !utf8.ValidString(password) {
		return &PasswordError{ID: PasswordNotText}
	}
	p := norm.NFC.String(password)
	switch n := utf8.RuneCountInString(p); {
	case n < PasswordMinRunes:
		return &PasswordError{ID: PasswordTooShort, Data: map[string]any{"Count": PasswordMinRunes}}
	case n > PasswordMaxRunes:
		return &PasswordError{ID: PasswordTooLong, Data: map[string]any{"Count": PasswordMaxRunes}}
	case passwordDenied(p):
		return &PasswordError{ID: PasswordTooCommon}
	}
	return nil
}

// PasswordParams are Argon2id's costs.
type PasswordParams struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over memory
	Threads uint8
}

// PasswordDefaults is OWASP's Argon2id recommendation: 19 MiB, t=2, p=1.
// NewHasher refuses anything weaker.
func PasswordDefaults() PasswordParams { return PasswordParams{Memory: 19 * 1024, Time: 2, Threads: 1} }

const (
	passwordSaltLen = 16
	passwordKeyLen  = 32
	// Bounds on what a PHC string may ask for, so a bad row cannot make one
	// verification take a gigabyte or a minute.
	passwordMaxMemory = 1 << 20 // KiB: 1 GiB
	passwordMaxTime   = 64
)

// HasherOptions configure a Hasher; zero values take the defaults.
type HasherOptions struct {
	Params PasswordParams
	// MaxConcurrent bounds hashes in flight (each holds Params.Memory);
	// 0 means 2×GOMAXPROCS.
	MaxConcurrent int
}

// Hasher hashes and verifies passwords with Argon2id under a concurrency
// limit, so a burst of sign-ins queues instead of exhausting memory.
type Hasher struct {
	params PasswordParams
	slots  chan struct{}
	dummy  string // a PHC string at the current params that nothing matches
	inSlot func() // test hook, run while a hash holds its slot
}

// NewHasher checks the options and builds a Hasher.
func NewHasher(opts HasherOptions) (*Hasher, error) {
	p := opts.Params
	if p == (PasswordParams{}) {
		p = PasswordDefaults()
	}
	d := PasswordDefaults()
	if p.Memory < d.Memory || p.Time < d.Time || p.Threads < 1 ||
		p.Memory > passwordMaxMemory || p.Time > passwordMaxTime || p.Memory < 8*uint32(p.Threads) {
		return nil, fmt.Errorf("auth: argon2id parameters %+v are weaker than %+v or out of bounds", p, d)
	}
	n := opts.MaxConcurrent
	if n <= 0 {
		n = 2 * runtime.GOMAXPROCS(0)
	}
	passwordDenylist() // built now rather than in the first registration
	h := &Hasher{params: p, slots: make(chan struct{}, n)}
	h.dummy = passwordPHC{params: p, salt: passwordRandom(passwordSaltLen), key: passwordRandom(passwordKeyLen)}.String()
	return h, nil
}

// Params are the parameters new hashes get.
func (h *Hasher) Params() PasswordParams { return h.params }

// Hash validates a new password against the policy and returns its PHC string:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key> (unpadded standard base64).
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if err := PasswordValidate(password); err != nil {
		return "", err
	}
	ph := passwordPHC{params: h.params, salt: passwordRandom(passwordSaltLen)}
	key, err := h.derive(ctx, password, ph.salt, ph.params, passwordKeyLen)
	if err != nil {
		return "", err
	}
	ph.key = key
	return ph.String(), nil
}

// Verify reports whether password matches the PHC string hash, and whether
// that hash should be replaced by a new Hash of the password because its costs
// are below the current ones. The policy is not applied: a password set under
// an older policy still signs in. A malformed hash is ErrPasswordHash.
func (h *Hasher) Verify(ctx context.Context, password, hash string) (ok, upgrade bool, err error) {
	ph, err := passwordParsePHC(hash)
	if err != nil {
		return false, false, err
	}
	key, err := h.derive(ctx, password, ph.salt, ph.params, uint32(len(ph.key)))
	if err != nil {
		return false, false, err
	}
	if subtle.ConstantTimeCompare(key, ph.key) != 1 {
		return false, false, nil
	}
	upgrade = ph.params.Memory < h.params.Memory || ph.params.Time < h.params.Time ||
		len(ph.salt) < passwordSaltLen || len(ph.key) < passwordKeyLen
	return true, upgrade, nil
}

// VerifyDummy costs what Verify costs at the current params and matches
// nothing: call it for an unknown account so that timing does not tell
// whether the account exists.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) error {
	_, _, err := h.Verify(ctx, password, h.dummy)
	return err
}

// derive runs Argon2id once a slot is free; a caller whose ctx ends while
// waiting gets ctx.Err(). The password is NFC-normalized, never truncated.
func (h *Hasher) derive(ctx context.Context, password string, salt []byte, p PasswordParams, keyLen uint32) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-h.slots }()
	if h.inSlot != nil {
		h.inSlot()
	}
	return argon2.IDKey([]byte(norm.NFC.String(password)), salt, p.Time, p.Memory, p.Threads, keyLen), nil
}

func passwordRandom(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand panics rather than return short)
	return b
}

// passwordPHC is a parsed $argon2id$ PHC string.
type passwordPHC struct {
	params    PasswordParams
	salt, key []byte
}

var passwordB64 = base64.RawStdEncoding.Strict()

func (p passwordPHC) String() string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		p.params.Memory, p.params.Time, p.params.Threads,
		passwordB64.EncodeToString(p.salt), passwordB64.EncodeToString(p.key))
}

// passwordParsePHC accepts only the canonical form String writes, so that a
// parsed hash prints back as the same text.
func passwordParsePHC(s string) (passwordPHC, error) {
	var ph passwordPHC
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v=19" {
		return ph, fmt.Errorf("%w: not $argon2id$v=19$...", ErrPasswordHash)
	}
	costs := strings.Split(parts[3], ",")
	if len(costs) != 3 {
		return ph, fmt.Errorf("%w: want m=,t=,p=", ErrPasswordHash)
	}
	m, errM := passwordParseCost(costs[0], "m=", passwordMaxMemory)
	t, errT := passwordParseCost(costs[1], "t=", passwordMaxTime)
	th, errP := passwordParseCost(costs[2], "p=", 255)
	if err := errors.Join(errM, errT, errP); err != nil {
		return ph, err
	}
	if m < 8*th {
		return ph, fmt.Errorf("%w: m=%d below 8×p", ErrPasswordHash, m)
	}
	ph.params = PasswordParams{Memory: m, Time: t, Threads: uint8(th)}
	var err error
	if ph.salt, err = passwordParseB64(parts[4], 8, 64); err != nil {
		return ph, fmt.Errorf("salt: %w", err)
	}
	if ph.key, err = passwordParseB64(parts[5], 16, 64); err != nil {
		return ph, fmt.Errorf("key: %w", err)
	}
	return ph, nil
}

// passwordParseCost reads "<prefix><decimal>" with no sign, no leading zero,
// in 1..limit.
func passwordParseCost(s, prefix string, limit uint32) (uint32, error) {
	d, ok := strings.CutPrefix(s, prefix)
	if !ok || d == "" || d[0] == '0' || strings.Trim(d, "0123456789") != "" {
		return 0, fmt.Errorf("%w: cost %q", ErrPasswordHash, s)
	}
	n, err := strconv.ParseUint(d, 10, 32)
	if err != nil || n > uint64(limit) {
		return 0, fmt.Errorf("%w: cost %q out of range", ErrPasswordHash, s)
	}
	return uint32(n), nil
}

// passwordParseB64 decodes unpadded standard base64 of lo..hi bytes. The
// decoder skips CR and LF; refusing them keeps the form canonical.
func passwordParseB64(s string, lo, hi int) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n") || len(s) > passwordB64.EncodedLen(hi) {
		return nil, fmt.Errorf("%w: bad base64", ErrPasswordHash)
	}
	b, err := passwordB64.DecodeString(s)
	if err != nil || len(b) < lo {
		return nil, fmt.Errorf("%w: bad base64 or %d bytes", ErrPasswordHash, len(b))
	}
	return b, nil
}
