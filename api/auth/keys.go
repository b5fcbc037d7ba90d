package auth

import (
	"cmp"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"frontdoor/api/store"
)

// We sign with EdDSA over Ed25519 only (RFC 8037): small keys and signatures,
// fast, deterministic, and with a single algorithm there is no algorithm to be
// confused with another.
const algEdDSA = "EdDSA"

const (
	keysCollection = "signing_keys"
	// minKeyReload bounds how often verification may go back to the store
	// for a kid it does not know, so a flood of made-up kids costs one read
	// every few seconds, not one per request.
	minKeyReload = 5 * time.Second
	// keyRetainMargin is added to how long a retired key keeps verifying, for
	// clocks that disagree between replicas.
	keyRetainMargin = time.Minute
	keyLoadTimeout  = 5 * time.Second
	// A TTL index deletes retired keys this long after they stop verifying.
	keyRecordKept = 24 * time.Hour
)

// storedKey is one signing key as the "signing_keys" collection holds it; ID
// is the kid, the RFC 7638 thumbprint of the public key.
//
// The private key lives in the store rather than the data directory so that
// every replica signs with the same keys. The store is the trust boundary (it
// holds the accounts themselves); when TokenOptions.SealKey is set the seed is
// also sealed with AES-256-GCM, so that a copy of the database, such as a
// backup, does not carry a usable signing key. A retired key loses its seed.
type storedKey struct {
	store.Meta
	Alg       string     `json:"alg"`
	Public    []byte     `json:"public"`
	Private   secret     `json:"private,omitempty"`
	Sealed    bool       `json:"sealed,omitempty"`
	Signing   bool       `json:"signing,omitempty"` // the one key that signs (a unique index)
	CreatedAt time.Time  `json:"created_at"`
	RetiredAt *time.Time `json:"retired_at,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"` // stops verifying; set on retirement
}

// LogValue leaves the private key out of any log line that names a key.
func (k storedKey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("kid", k.ID), slog.Bool("signing", k.Signing), slog.Time("created_at", k.CreatedAt))
}

// secret is key material that never prints, whatever logs it by mistake.
type secret []byte

func (secret) String() string               { return "[secret]" }
func (secret) GoString() string             { return "[secret]" }
func (secret) LogValue() slog.Value         { return slog.StringValue("[secret]") }
func (s secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

var keysSpec = store.CollectionSpec{
	Name: keysCollection,
	Indexes: []store.IndexSpec{
		{Name: "one_signing_key", Fields: []string{"signing"}, Unique: true},
		{Name: "expires", Fields: []string{"expires_at"}, TTL: true, ExpireAfter: keyRecordKept},
	},
}

// keySet is one immutable snapshot of the keys, swapped whole on reload.
type keySet struct {
	kid      string // the signing key
	private  ed25519.PrivateKey
	verify   map[string]verifyKey
	order    []string // newest first, for the JWKS
	loadedAt time.Time
}

type verifyKey struct {
	public    ed25519.PublicKey
	expiresAt time.Time // zero while the key signs
}

func (vk verifyKey) validAt(now time.Time) bool {
	return vk.expiresAt.IsZero() || now.Before(vk.expiresAt)
}

// signingKeys keeps the keys in memory and reloads them every reload
// interval, so a rotation by another process (`frontdoor keys rotate`) is
// picked up without a restart.
type signingKeys struct {
	col    *store.Collection[storedKey, *storedKey]
	db     *store.DB
	now    func() time.Time
	log    *slog.Logger
	seal   cipher.AEAD // nil: seeds stored as they are
	reload time.Duration
	retain time.Duration // how long a retired key keeps verifying

	set   atomic.Pointer[keySet]
	mu    sync.Mutex // one load at a time
	tried time.Time  // the last load attempt, under mu
	loads atomic.Int64
}

// openSigningKeys loads the keys, creating the first one on first start.
func openSigningKeys(ctx context.Context, db *store.DB, o TokenOptions) (*signingKeys, error) {
	col, err := store.Open[storedKey](ctx, db, keysSpec)
	if err != nil {
		return nil, err
	}
	k := &signingKeys{
		col: col, db: db, now: o.Now, log: o.Logger, reload: o.KeyReload,
		// Another replica may sign with a retired key until its next reload,
		// and each token it signs lives AccessTTL (plus leeway at verification).
		retain: o.AccessTTL + o.KeyReload + o.Leeway + keyRetainMargin,
	}
	if k.seal, err = newSealer(o.SealKey); err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.loadLocked(ctx); err != nil {
		return nil, err
	}
	if k.set.Load().kid != "" {
		return k, nil
	}
	if err := k.create(ctx, false); err != nil && !errors.Is(err, store.ErrDuplicate) {
		return nil, fmt.Errorf("auth: first signing key: %w", err)
	} // ErrDuplicate: another replica starting at the same time made it
	return k, k.loadLocked(ctx)
}

// rotate makes a new signing key; the old one keeps verifying for retain.
func (k *signingKeys) rotate(ctx context.Context) (string, error) {
	if err := k.create(ctx, true); err != nil {
		return "", fmt.Errorf("auth: rotate signing key: %w", err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.loadLocked(ctx); err != nil {
		return "", err
	}
	return k.set.Load().kid, nil
}

// create inserts a new signing key, retiring the current one when retire is
// set; without it, it does nothing when a signing key exists.
func (k *signingKeys) create(ctx context.Context, retire bool) error {
	public, private, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	kid := thumbprint(public)
	seed, sealed := k.sealSeed(kid, private.Seed())
	return k.db.Tx(ctx, func(ctx context.Context) error {
		now := k.now().UTC()
		old, err := k.col.FindOne(ctx, store.Eq("signing", true))
		switch {
		case err == nil && !retire:
			return nil
		case err == nil:
			expires := now.Add(k.retain)
			old.Signing, old.Private, old.Sealed = false, nil, false
			old.RetiredAt, old.ExpiresAt = &now, &expires
			if err := k.col.Replace(ctx, old); err != nil {
				return err
			}
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		return k.col.Insert(ctx, &storedKey{
			Meta: store.Meta{ID: kid}, Alg: algEdDSA, Public: public,
			Private: seed, Sealed: sealed, Signing: true, CreatedAt: now,
		})
	})
}

// current returns the signing key, reloading first when the snapshot is old.
func (k *signingKeys) current(ctx context.Context) (string, ed25519.PrivateKey, error) {
	set := k.fresh(ctx)
	if set.kid == "" {
		return "", nil, errors.New("auth: no signing key")
	}
	return set.kid, set.private, nil
}

// publicKey finds the key a token names. A kid not in the snapshot may be a
// rotation by another process: look again, at most once per minKeyReload.
func (k *signingKeys) publicKey(ctx context.Context, kid string) (ed25519.PublicKey, error) {
	set := k.fresh(ctx)
	vk, ok := set.verify[kid]
	if !ok {
		vk, ok = k.reloadFor(ctx, set).verify[kid]
	}
	if !ok {
		return nil, refuse(RefusedUnknownKey, "kid not known")
	}
	if !vk.validAt(k.now()) {
		return nil, refuse(RefusedUnknownKey, "key retired")
	}
	return vk.public, nil
}

// fresh returns the snapshot, reloading it when it is older than the reload
// interval. Only one caller reloads; the others carry on with the snapshot.
func (k *signingKeys) fresh(ctx context.Context) *keySet {
	set := k.set.Load()
	now := k.now()
	if now.Sub(set.loadedAt) < k.reload || !k.mu.TryLock() {
		return set
	}
	defer k.mu.Unlock()
	if k.set.Load() == set && now.Sub(k.tried) >= minKeyReload {
		if err := k.loadLocked(ctx); err != nil {
			k.log.Error("auth: reloading signing keys; keeping the ones loaded", "err", err)
		}
	}
	return k.set.Load()
}

// reloadFor reloads for a kid missing from seen, unless someone reloaded
// since seen was taken or the last attempt was under minKeyReload ago.
func (k *signingKeys) reloadFor(ctx context.Context, seen *keySet) *keySet {
	k.mu.Lock()
	defer k.mu.Unlock()
	if cur := k.set.Load(); cur != seen || k.now().Sub(k.tried) < minKeyReload {
		return cur
	}
	if err := k.loadLocked(ctx); err != nil {
		k.log.Error("auth: reloading signing keys for an unknown kid", "err", err)
	}
	return k.set.Load()
}

// loadLocked reads every key into a new snapshot; k.mu must be held. The
// read is not cut short by the caller's request ending, only by a timeout.
func (k *signingKeys) loadLocked(ctx context.Context) error {
	now := k.now()
	k.tried = now
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), keyLoadTimeout)
	defer cancel()
	set := &keySet{verify: map[string]verifyKey{}, loadedAt: now}
	var stored []storedKey
	for q := (store.Query{Limit: store.MaxLimit}); ; {
		page, err := k.col.Find(ctx, q)
		if err != nil {
			return fmt.Errorf("auth: load signing keys: %w", err)
		}
		stored = append(stored, page.Items...)
		if q.After = page.Next; q.After == "" {
			break
		}
	}
	slices.SortFunc(stored, func(a, b storedKey) int { // the signing key, then newest first
		if a.Signing != b.Signing {
			return map[bool]int{true: -1, false: 1}[a.Signing]
		}
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	for i := range stored {
		if err := k.add(set, &stored[i], now); err != nil {
			return err
		}
	}
	k.set.Store(set)
	k.loads.Add(1)
	return nil
}

// add puts one stored key into set after checking that it is what it says.
func (k *signingKeys) add(set *keySet, sk *storedKey, now time.Time) error {
	vk := verifyKey{public: ed25519.PublicKey(sk.Public)}
	if sk.ExpiresAt != nil {
		vk.expiresAt = *sk.ExpiresAt
	}
	if !vk.validAt(now) {
		return nil // past its time; the TTL index removes it
	}
	if sk.Alg != algEdDSA || len(sk.Public) != ed25519.PublicKeySize || thumbprint(vk.public) != sk.ID {
		return fmt.Errorf("auth: signing key %q is not a well-formed Ed25519 key", sk.ID)
	}
	set.verify[sk.ID] = vk
	set.order = append(set.order, sk.ID)
	if !sk.Signing {
		return nil
	}
	seed, err := k.openSeed(sk)
	if err != nil {
		return err
	}
	private := ed25519.NewKeyFromSeed(seed)
	if !vk.public.Equal(private.Public()) {
		return fmt.Errorf("auth: signing key %q: private and public keys do not match", sk.ID)
	}
	set.kid, set.private = sk.ID, private
	return nil
}

// jwks returns the RFC 7517 key set of every key that still verifies.
func (k *signingKeys) jwks(ctx context.Context) ([]byte, error) {
	type jwk struct {
		Kty string `json:"kty"`
		Crv string `json:"crv"`
		X   string `json:"x"`
		Kid string `json:"kid"`
		Alg string `json:"alg"`
		Use string `json:"use"`
	}
	set := k.fresh(ctx)
	now := k.now()
	out := struct {
		Keys []jwk `json:"keys"`
	}{Keys: []jwk{}}
	for _, kid := range set.order {
		if vk := set.verify[kid]; vk.validAt(now) {
			x := base64.RawURLEncoding.EncodeToString(vk.public)
			out.Keys = append(out.Keys, jwk{Kty: "OKP", Crv: "Ed25519", X: x, Kid: kid, Alg: algEdDSA, Use: "sig"})
		}
	}
	return json.Marshal(out)
}

// thumbprint is the RFC 7638 JWK thumbprint of an Ed25519 public key (RFC
// 8037 section 2): a kid that names the key itself.
func thumbprint(public ed25519.PublicKey) string {
	canonical := `{"crv":"Ed25519","kty":"OKP","x":"` + base64.RawURLEncoding.EncodeToString(public) + `"}`
	sum := sha256.Sum256([]byte(canonical))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func newSealer(key []byte) (cipher.AEAD, error) {
	if len(key) == 0 {
		return nil, nil
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("auth: SealKey is %d bytes; want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// sealSeed seals a seed for storage when a seal key is set; the kid is bound
// in as additional data, so a sealed seed cannot be moved to another record.
func (k *signingKeys) sealSeed(kid string, seed []byte) (secret, bool) {
	if k.seal == nil {
		return secret(seed), false
	}
	nonce := make([]byte, k.seal.NonceSize())
	rand.Read(nonce)
	return k.seal.Seal(nonce, nonce, seed, []byte(kid)), true
}

func (k *signingKeys) openSeed(sk *storedKey) ([]byte, error) {
	seed := []byte(sk.Private)
	if sk.Sealed {
		if k.seal == nil {
			return nil, fmt.Errorf("auth: signing key %q is sealed and no seal key is configured", sk.ID)
		}
		n := k.seal.NonceSize()
		if len(seed) < n {
			return nil, fmt.Errorf("auth: signing key %q: sealed seed too short", sk.ID)
		}
		var err error
		if seed, err = k.seal.Open(nil, seed[:n], seed[n:], []byte(sk.ID)); err != nil {
			return nil, fmt.Errorf("auth: signing key %q was sealed with another seal key", sk.ID)
		}
	}
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("auth: signing key %q has no usable private key", sk.ID)
	}
	return seed, nil
}
