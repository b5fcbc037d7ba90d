package open311

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"frontdoor/api/store"
)

// API keys are "o311_" and 256 random bits in base64url. Only their SHA-256
// is stored: the random bits make a slow hash unnecessary, and a stolen
// database gives no key away.
const (
	KeyPrefix      = "o311_"
	keyBytes       = 32
	shownKeyChars  = 6 // of the random part, kept so admins can tell keys apart
	MaxClientName  = 100
	clientsName    = "open311_clients"
	clientsPerPage = 100
)

var keyLen = len(KeyPrefix) + base64.RawURLEncoding.EncodedLen(keyBytes)

// ErrUnknownKey: the api_key is missing, malformed, unknown or disabled
// (the specification's 403). Which one is never said.
var ErrUnknownKey = errors.New("open311: unknown api key")

// ErrNotFound is the store's own, so the HTTP layer's error table maps it.
var ErrNotFound = store.ErrNotFound

// Client is an app (FixMyStreet, say) that may post requests with its key.
type Client struct {
	store.Meta
	Name      string    `json:"name"`
	KeyHash   string    `json:"key_hash"` // SHA-256 of the key, base64url
	Prefix    string    `json:"prefix"`   // the key's first characters, for admins
	CreatedAt time.Time `json:"created_at"`
	Disabled  bool      `json:"disabled"`
}

var clientsSpec = store.CollectionSpec{Name: clientsName, Indexes: []store.IndexSpec{
	{Name: "by_key_hash", Fields: []string{"key_hash"}, Unique: true},
	{Name: "by_created", Fields: []string{"created_at"}},
}}

// Clients keeps the Open311 clients and checks their keys.
type Clients struct {
	col *store.Collection[Client, *Client]
	now func() time.Time
}

// NewClients opens the clients collection; now is time.Now when nil.
func NewClients(ctx context.Context, db *store.DB, now func() time.Time) (*Clients, error) {
	if now == nil {
		now = time.Now
	}
	col, err := store.Open[Client](ctx, db, clientsSpec)
	if err != nil {
		return nil, err
	}
	return &Clients{col: col, now: now}, nil
}

// Create issues a client its key. The key is returned this once and never
// stored; a name that is empty, over 100 characters or holds control
// characters is a *ValidationError on "/name".
func (c *Clients) Create(ctx context.Context, name string) (*Client, string, error) {
	name = strings.TrimSpace(name)
	if err := validateName(name); err != nil {
		return nil, "", err
	}
	var random [keyBytes]byte
	rand.Read(random[:]) // never fails (crypto/rand panics rather than return an error)
	key := KeyPrefix + base64.RawURLEncoding.EncodeToString(random[:])
	cl := &Client{
		Name:      name,
		KeyHash:   hashKey(key),
		Prefix:    key[:len(KeyPrefix)+shownKeyChars],
		CreatedAt: c.now().UTC().Truncate(time.Millisecond),
	}
	if err := c.col.Insert(ctx, cl); err != nil {
		return nil, "", fmt.Errorf("open311: create client: %w", err)
	}
	return cl, key, nil
}

func validateName(name string) error {
	var f FieldError
	switch {
	case name == "":
		f = FieldError{Pointer: "/name", ID: MsgRequired}
	case !utf8.ValidString(name) || strings.IndexFunc(name, func(r rune) bool { return badControl(r, false) }) >= 0:
		f = FieldError{Pointer: "/name", ID: MsgInvalidValue}
	case utf8.RuneCountInString(name) > MaxClientName:
		f = FieldError{Pointer: "/name", ID: MsgTooLong, Data: map[string]any{"Count": MaxClientName}}
	default:
		return nil
	}
	return &ValidationError{Fields: []FieldError{f}}
}

// Verify finds the enabled client an api_key belongs to, or ErrUnknownKey.
// The key's hash is looked up through the unique index, so the time taken
// says nothing about how much of a guess was right, and the hashes are
// compared in constant time besides.
func (c *Clients) Verify(ctx context.Context, apiKey string) (*Client, error) {
	if !wellFormedKey(apiKey) {
		return nil, ErrUnknownKey
	}
	hash := hashKey(apiKey)
	cl, err := c.col.FindOne(ctx, store.Eq("key_hash", hash))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUnknownKey
	}
	if err != nil {
		return nil, fmt.Errorf("open311: verify key: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(cl.KeyHash), []byte(hash)) != 1 || cl.Disabled {
		return nil, ErrUnknownKey
	}
	return cl, nil
}

// Disable stops a client's key working, for good (issue a new client to
// replace it). ErrNotFound when there is no such client.
func (c *Clients) Disable(ctx context.Context, id string) (*Client, error) {
	return c.col.Update(ctx, id, func(cl *Client) error {
		cl.Disabled = true
		return nil
	})
}

// List returns every client, oldest first.
func (c *Clients) List(ctx context.Context) ([]Client, error) {
	var out []Client
	q := store.Query{Where: []store.Cond{store.Exists("created_at")}, Sort: "created_at", Limit: clientsPerPage}
	for {
		page, err := c.col.Find(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("open311: list clients: %w", err)
		}
		out = append(out, page.Items...)
		if page.Next == "" {
			return out, nil
		}
		q.After = page.Next
	}
}

func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func wellFormedKey(key string) bool {
	rest, ok := strings.CutPrefix(key, KeyPrefix)
	if !ok || len(key) != keyLen {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(rest)
	return err == nil && len(b) == keyBytes
}
