package open311

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"frontdoor/api/store"
)

func newClients(t *testing.T) (*Clients, *store.DB) {
	t.Helper()
	db := openDB(t)
	clock := winter
	c, err := NewClients(ctx, db, func() time.Time { clock = clock.Add(time.Second); return clock })
	if err != nil {
		t.Fatal(err)
	}
	return c, db
}

func mustCreate(t *testing.T, c *Clients, name string) (*Client, string) {
	t.Helper()
	cl, key, err := c.Create(ctx, name)
	if err != nil {
		t.Fatalf("Create(%q): %v", name, err)
	}
	return cl, key
}

func TestClientsCreateAndVerify(t *testing.T) {
	c, db := newClients(t)
	cl, key := mustCreate(t, c, "  FixMyStreet  ")
	if !strings.HasPrefix(key, KeyPrefix) || len(key) != 48 || cl.Prefix != key[:11] || cl.Name != "FixMyStreet" {
		t.Errorf("client %+v key %q", cl, key)
	}
	if cl.ID == "" || cl.Version != 1 || !cl.CreatedAt.Equal(winter.Add(time.Second)) || cl.Disabled {
		t.Errorf("stored client %+v", cl)
	}
	got, err := c.Verify(ctx, key)
	if err != nil || got.ID != cl.ID || got.Name != "FixMyStreet" {
		t.Fatalf("Verify = %+v, %v", got, err)
	}

	// The key itself is stored nowhere: reopen the collection and look.
	col, err := store.Open[Client](ctx, db, clientsSpec)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := col.Get(ctx, cl.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(stored)
	if strings.Contains(string(b), key[len(KeyPrefix)+shownKeyChars:]) {
		t.Errorf("the key is stored: %s", b)
	}
	if stored.KeyHash != hashKey(key) {
		t.Error("the stored hash is not the key's")
	}
}

func TestClientsVerifyRefuses(t *testing.T) {
	c, _ := newClients(t)
	_, key := mustCreate(t, c, "FixMyStreet")
	flipped := []byte(key) // well-formed, so it reaches the lookup
	flipped[20] = 'A'
	if key[20] == 'A' {
		flipped[20] = 'B'
	}
	last := key[:len(key)-1] + nonCanonical(key[len(key)-1])
	other := KeyPrefix + strings.Repeat("A", 43)
	for name, k := range map[string]string{
		"empty": "", "prefix only": KeyPrefix, "one character changed": string(flipped), "longer": key + "A",
		"shorter": key[:len(key)-1], "other prefix": "o312_" + key[5:], "upper-case prefix": "O311_" + key[5:],
		"not base64": KeyPrefix + strings.Repeat("!", 43), "well-formed, never issued": other,
		"non-canonical last character": last, "with spaces": " " + key, "huge": strings.Repeat("a", 1<<20),
	} {
		if _, err := c.Verify(ctx, k); !errors.Is(err, ErrUnknownKey) {
			t.Errorf("%s: %v, want ErrUnknownKey", name, err)
		}
	}
}

// nonCanonical returns a base64url character that decodes to the same
// bytes as c in the last place of a 43-character encoding (whose two low
// bits are padding), but is not the canonical one.
func nonCanonical(c byte) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, c)
	return string(alphabet[i|1])
}

func TestClientsDisable(t *testing.T) {
	c, _ := newClients(t)
	cl, key := mustCreate(t, c, "Old app")
	_, key2 := mustCreate(t, c, "New app")
	got, err := c.Disable(ctx, cl.ID)
	if err != nil || !got.Disabled {
		t.Fatalf("Disable = %+v, %v", got, err)
	}
	if _, err := c.Verify(ctx, key); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("disabled key: %v, want ErrUnknownKey", err)
	}
	if _, err := c.Verify(ctx, key2); err != nil {
		t.Errorf("the other key stopped working: %v", err)
	}
	if _, err := c.Disable(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Disable(unknown) = %v, want ErrNotFound", err)
	}
}

func TestClientsList(t *testing.T) {
	c, _ := newClients(t)
	for _, n := range []string{"A", "B", "C"} {
		mustCreate(t, c, n)
	}
	got, err := c.List(ctx)
	if err != nil || len(got) != 3 || got[0].Name != "A" || got[2].Name != "C" {
		t.Fatalf("List = %+v, %v", got, err)
	}
	if got[0].KeyHash == got[1].KeyHash {
		t.Error("two clients share a key")
	}
}

func TestClientsNameValidation(t *testing.T) {
	c, _ := newClients(t)
	tests := []struct{ name, want string }{
		{"", MsgRequired}, {"   ", MsgRequired}, {strings.Repeat("é", MaxClientName+1), MsgTooLong},
		{"bad\x00name", MsgInvalidValue}, {"two\nlines", MsgInvalidValue}, {"\xff\xfe", MsgInvalidValue},
	}
	for _, tt := range tests {
		_, key, err := c.Create(ctx, tt.name)
		var ve *ValidationError
		if !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Pointer != "/name" || ve.Fields[0].ID != tt.want || key != "" {
			t.Errorf("Create(%q) = %v, want %s on /name", tt.name, err, tt.want)
		}
		var seen []string
		ve.EachField(func(p, id string, data map[string]any) { seen = append(seen, p+" "+id) })
		if len(seen) != 1 || seen[0] != "/name "+tt.want || !strings.HasSuffix(err.Error(), "invalid: /name "+tt.want) {
			t.Errorf("EachField %v, Error %q", seen, err)
		}
	}
	mustCreate(t, c, strings.Repeat("é", MaxClientName)) // exactly 100 characters is fine
	if got, _ := c.List(ctx); len(got) != 1 {
		t.Errorf("refused names were stored: %d clients", len(got))
	}
}

func TestClientsVerifyConcurrently(t *testing.T) {
	c, _ := newClients(t)
	keys := make([]string, 4)
	for i := range keys {
		_, keys[i] = mustCreate(t, c, "app")
	}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			if _, err := c.Verify(ctx, keys[i%4]); err != nil {
				t.Errorf("Verify: %v", err)
			}
			if _, err := c.Verify(ctx, keys[i%4][:47]+"x"); !errors.Is(err, ErrUnknownKey) {
				t.Errorf("Verify(wrong): %v", err)
			}
		})
	}
	wg.Wait()
}
