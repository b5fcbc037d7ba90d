package push

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"frontdoor/api/store"
)

// The VAPID key pair lives in one document of its own collection, so every
// process of a deployment signs with the same key: browsers bind each
// subscription to the applicationServerKey it was made with, and a new key
// would orphan every subscription.
var keySpec = store.CollectionSpec{Name: "push_keys"}

const keyDocID = "vapid"

// keyRecord is the stored pair, base64url without padding: the private
// scalar (32 bytes) and the uncompressed public point (65 bytes).
type keyRecord struct {
	store.Meta
	Private   string    `json:"private"`
	Public    string    `json:"public"`
	CreatedAt time.Time `json:"created_at"`
}

// String and GoString keep the private key out of any log or error that
// formats the record by mistake.
func (k keyRecord) String() string   { return "push VAPID key " + k.Public }
func (k keyRecord) GoString() string { return k.String() }

// vapidKeys is the pair in the forms its users want.
type vapidKeys struct {
	signing    *ecdsa.PrivateKey // for our own tokens (vapid.go)
	privateB64 string            // for webpush-go's per-message token
	public     string
}

func (k *vapidKeys) String() string { return "push VAPID key " + k.public }

// EnsureKeys makes sure the deployment has a VAPID key pair, generating and
// storing one when it has none, and returns the public key
// (`frontdoor keys vapid`). created says whether it was made now.
func EnsureKeys(ctx context.Context, db *store.DB) (publicKey string, created bool, err error) {
	// time.Now only stamps CreatedAt, for people reading the store; the
	// command has no clock of its own to pass.
	k, created, err := ensureKeys(ctx, db, time.Now)
	if err != nil {
		return "", false, err
	}
	return k.public, created, nil
}

func ensureKeys(ctx context.Context, db *store.DB, now func() time.Time) (*vapidKeys, bool, error) {
	coll, err := store.Open[keyRecord](ctx, db, keySpec)
	if err != nil {
		return nil, false, fmt.Errorf("push: %w", err)
	}
	rec, err := coll.Get(ctx, keyDocID)
	created := false
	if errors.Is(err, store.ErrNotFound) {
		if rec, err = newKeyRecord(now); err != nil {
			return nil, false, err
		}
		err = coll.Insert(ctx, rec)
		created = err == nil
		if errors.Is(err, store.ErrDuplicate) { // another process made it first: use theirs
			rec, err = coll.Get(ctx, keyDocID)
		}
	}
	if err != nil {
		return nil, false, fmt.Errorf("push: VAPID keys: %w", err)
	}
	k, err := parseKeys(rec)
	return k, created, err
}

func newKeyRecord(now func() time.Time) (*keyRecord, error) {
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("push: generating VAPID keys: %w", err)
	}
	rec := &keyRecord{
		Private:   b64.EncodeToString(priv.Bytes()),
		Public:    b64.EncodeToString(priv.PublicKey().Bytes()),
		CreatedAt: now().UTC().Truncate(time.Millisecond),
	}
	rec.ID = keyDocID
	return rec, nil
}

// parseKeys checks the stored pair belongs together: a damaged record must
// stop the start, not sign tokens no push service accepts.
func parseKeys(rec *keyRecord) (*vapidKeys, error) {
	bad := errors.New("push: the stored VAPID key pair is damaged")
	d, err := b64.DecodeString(rec.Private)
	if err != nil {
		return nil, bad
	}
	priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil {
		return nil, bad
	}
	pub, err := priv.PublicKey.Bytes()
	if err != nil || !bytes.Equal(pub, mustDecode(rec.Public)) {
		return nil, bad
	}
	return &vapidKeys{signing: priv, privateB64: rec.Private, public: rec.Public}, nil
}

// b64 is the encoding Web Push uses for keys: base64url without padding.
var b64 = base64.RawURLEncoding

func mustDecode(s string) []byte {
	b, _ := b64.DecodeString(s)
	return b
}
