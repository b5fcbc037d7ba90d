package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"time"

	"frontdoor/api/store"
)

// CodePurpose is what a one-time code is for; a code for one purpose never
// answers for another.
type CodePurpose string

const (
	CodePurposeVerify CodePurpose = "verify" // proving a contact is theirs
	CodePurposeSignIn CodePurpose = "signin" // signing in without a password
)

// Message ids of CodeError (go-i18n; localized by the HTTP layer).
const (
	CodeMalformed    = "CodeMalformed"    // not six digits
	CodeWrong        = "CodeWrong"        // Data["Count"]: tries left
	CodeExpired      = "CodeExpired"      // expired, used, replaced or never sent
	CodeTooManyTries = "CodeTooManyTries" // dead after CodeMaxTries wrong tries
	CodeIssueLimited = "CodeIssueLimited" // Data["Count"]: seconds to wait
)

// CodeError says why a code was refused, or why none was sent.
type CodeError struct {
	ID         string
	Data       map[string]any
	RetryAfter time.Duration // for CodeIssueLimited
}

func (e *CodeError) Error() string { return "auth: one-time code: " + e.ID }

const codeDigits = 6

// codeRecord is the live code for one contact and purpose. Its id is derived
// from both, so issuing again replaces it.
type codeRecord struct {
	store.Meta
	Purpose string    `json:"purpose"`
	Contact string    `json:"contact"` // keyed hash
	Salt    []byte    `json:"salt"`
	Hash    []byte    `json:"hash"` // HMAC of salt and code
	Expires time.Time `json:"expires"`
	Tries   int       `json:"tries"` // wrong ones
	Used    bool      `json:"used"`
}

var codeSpec = store.CollectionSpec{Name: "auth_codes", Indexes: []store.IndexSpec{
	{Name: "expiry", Fields: []string{"expires"}, TTL: true},
}}

// codeContact checks the purpose and returns the contact's keyed hash.
func (g *Guard) codeContact(purpose CodePurpose, contact string) (string, error) {
	if purpose != CodePurposeVerify && purpose != CodePurposeSignIn {
		return "", fmt.Errorf("auth: unknown code purpose %q", purpose)
	}
	c := guardNormalize(contact)
	if c == "" {
		return "", errors.New("auth: code for an empty contact")
	}
	return g.hash("contact", c), nil
}

func (g *Guard) codeID(purpose CodePurpose, contactKey string) string {
	return g.hash("code", string(purpose)+"\x00"+contactKey)
}

func (g *Guard) codeHash(salt []byte, code string) []byte {
	m := hmac.New(sha256.New, g.opts.Secret)
	m.Write([]byte("code\x00"))
	m.Write(salt)
	m.Write([]byte(code))
	return m.Sum(nil)
}

// CodeIssue makes a new code for the contact and purpose, replacing any
// earlier one, and returns it for the caller to send. At most CodeIssueLimit
// codes go to one contact per CodeIssueWindow, whatever their purpose.
//
// Call it for contacts that have no account too (and send nothing), so that
// CodeCheck and the rate limit answer alike for both.
func (g *Guard) CodeIssue(ctx context.Context, purpose CodePurpose, contact string) (string, error) {
	contactKey, err := g.codeContact(purpose, contact)
	if err != nil {
		return "", err
	}
	now := g.now()
	limit := guardKey{kind: "contact", key: contactKey, limit: g.opts.CodeIssueLimit}
	wait, err := g.issues.wait(ctx, limit, now)
	if err != nil {
		return "", err
	}
	if wait > 0 {
		return "", &CodeError{ID: CodeIssueLimited, Data: map[string]any{"Count": guardSeconds(wait)}, RetryAfter: wait}
	}
	code := codeRandom()
	salt := passwordRandom(16)
	rec := codeRecord{Purpose: string(purpose), Contact: contactKey, Salt: salt,
		Hash: g.codeHash(salt, code), Expires: now.Add(g.opts.CodeTTL)}
	rec.ID = g.codeID(purpose, contactKey)
	if err := g.codeStore(ctx, rec, limit, now); err != nil {
		return "", err
	}
	return code, nil
}

// codeStore counts the issue and puts rec in place of any earlier code, in
// one transaction.
func (g *Guard) codeStore(ctx context.Context, rec codeRecord, limit guardKey, now time.Time) error {
	var err error
	for range 4 { // a concurrent issue for the same contact won the race: go again
		err = g.db.Tx(ctx, func(ctx context.Context) error {
			if err := g.issues.add(ctx, limit, now); err != nil {
				return err
			}
			r := rec
			old, err := g.codes.Get(ctx, r.ID)
			if errors.Is(err, store.ErrNotFound) {
				return g.codes.Insert(ctx, &r)
			} else if err != nil {
				return err
			}
			r.Version = old.Version
			return g.codes.Replace(ctx, &r)
		})
		if !errors.Is(err, store.ErrDuplicate) && !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return err
}

// codeRandom is a uniform six-digit code, 000000 to 999999.
func codeRandom() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return fmt.Sprintf("%0*d", codeDigits, n.Int64())
}

func codeWellFormed(code string) bool {
	if len(code) != codeDigits {
		return false
	}
	for i := range len(code) {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

// CodeCheck accepts the contact's live code for the purpose once. A wrong
// code uses up a try; after CodeMaxTries the code is dead. Refusals are
// *CodeError.
func (g *Guard) CodeCheck(ctx context.Context, purpose CodePurpose, contact, code string) error {
	contactKey, err := g.codeContact(purpose, contact)
	if err != nil {
		return err
	}
	if !codeWellFormed(code) {
		return &CodeError{ID: CodeMalformed}
	}
	id := g.codeID(purpose, contactKey)
	for range 8 {
		err = g.codeTry(ctx, id, code)
		if errors.Is(err, store.ErrNotFound) { // used or replaced meanwhile
			return &CodeError{ID: CodeExpired}
		}
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return err
}

// codeTry compares once and writes the outcome over the version it read, so
// that concurrent guesses are counted one by one and a code replaced or used
// meanwhile cannot be accepted: either write conflicts and the caller retries.
func (g *Guard) codeTry(ctx context.Context, id, code string) error {
	rec, err := g.codes.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return &CodeError{ID: CodeExpired}
	} else if err != nil {
		return err
	}
	switch {
	case rec.Used || !g.now().Before(rec.Expires):
		return &CodeError{ID: CodeExpired}
	case rec.Tries >= g.opts.CodeMaxTries:
		return &CodeError{ID: CodeTooManyTries}
	}
	if hmac.Equal(g.codeHash(rec.Salt, code), rec.Hash) {
		rec.Used = true
		if err := g.codes.Replace(ctx, rec); err != nil {
			return err
		}
		// Used already makes it dead; deleting is tidiness, and the TTL
		// removes it anyway if this fails.
		_ = g.codes.Delete(ctx, id)
		return nil
	}
	rec.Tries++
	if err := g.codes.Replace(ctx, rec); err != nil {
		return err
	}
	if left := g.opts.CodeMaxTries - rec.Tries; left > 0 {
		return &CodeError{ID: CodeWrong, Data: map[string]any{"Count": left}}
	}
	return &CodeError{ID: CodeTooManyTries}
}
