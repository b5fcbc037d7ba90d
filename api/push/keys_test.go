package push

import (
	"bytes"
	"crypto/ecdh"
	"log/slog"
	"strings"
	"testing"
	"time"

	"frontdoor/api/outbox"
	"frontdoor/api/store"
)

// The key pair is made once per deployment and survives restarts, and
// neither half reaches the log.
func TestKeysPersistAndStayOutOfLogs(t *testing.T) {
	db := openDB(t)
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	first := newService(t, db, Options{Subject: testSubject, Logger: logger})
	if !strings.Contains(logs.String(), "generated the VAPID key pair") {
		t.Errorf("first start did not say it made keys: %s", logs.String())
	}
	for _, secret := range []string{first.keys.privateB64, first.keys.public} {
		if strings.Contains(logs.String(), secret) {
			t.Fatal("a VAPID key reached the log")
		}
	}
	second := newService(t, db, Options{Subject: testSubject})
	pub, created, err := EnsureKeys(ctx, db)
	if err != nil || created || pub != first.PublicKey() || second.PublicKey() != pub {
		t.Errorf("keys changed across starts: %s %s %s (created %v, %v)", first.PublicKey(), second.PublicKey(), pub, created, err)
	}
	raw, err := b64.DecodeString(pub)
	if err != nil || len(raw) != 65 || raw[0] != 4 {
		t.Fatalf("public key %q is not an uncompressed point", pub)
	}
	if _, err := ecdh.P256().NewPublicKey(raw); err != nil {
		t.Errorf("public key is not on P-256: %v", err)
	}
	if s := (keyRecord{Private: first.keys.privateB64}).String(); strings.Contains(s, first.keys.privateB64) {
		t.Error("a key record formats its private key")
	}
}

func TestEnsureKeysOnAFreshStore(t *testing.T) {
	db := openDB(t)
	pub, created, err := EnsureKeys(ctx, db)
	if err != nil || !created || len(pub) != 87 {
		t.Fatalf("EnsureKeys = %q, %v, %v", pub, created, err)
	}
	if svc := newService(t, db, Options{Subject: testSubject}); svc.PublicKey() != pub {
		t.Error("the service does not use the keys made by `frontdoor keys vapid`")
	}
}

// A damaged key record stops the start instead of signing tokens no push
// service will accept.
func TestDamagedKeysStopTheStart(t *testing.T) {
	db := openDB(t)
	if _, _, err := EnsureKeys(ctx, db); err != nil {
		t.Fatal(err)
	}
	coll, _ := store.Open[keyRecord](ctx, db, keySpec)
	other, _ := newKeyRecord(time.Now)
	if _, err := coll.Update(ctx, keyDocID, func(k *keyRecord) error { k.Public = other.Public; return nil }); err != nil {
		t.Fatal(err)
	}
	ob, _ := outbox.New(ctx, db, outbox.Options{})
	if _, err := New(ctx, db, ob, Options{Subject: testSubject}); err == nil || strings.Contains(err.Error(), other.Private) {
		t.Errorf("New with a mismatched pair: %v", err)
	}
}

func TestOptionsAreChecked(t *testing.T) {
	db := openDB(t)
	for _, o := range []Options{
		{Subject: ""},
		{Subject: "digital@council.example"},
		{Subject: "mailto:"},
		{Subject: "mailto:not an address"},
		{Subject: "http://council.example"},
		{Subject: "https://"},
		{Subject: testSubject, AllowedHosts: []string{}},
		{Subject: testSubject, AllowedHosts: []string{"https://fcm.googleapis.com"}},
		{Subject: testSubject, AllowedHosts: []string{"fcm.googleapis.com/x"}},
		{Subject: testSubject, AllowedHosts: []string{"*.com"}},
		{Subject: testSubject, PerHostConcurrency: -1},
	} {
		ob, _ := outbox.New(ctx, db, outbox.Options{})
		if _, err := New(ctx, db, ob, o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
	for _, sub := range []string{testSubject, "https://council.example/contact"} {
		ob, _ := outbox.New(ctx, db, outbox.Options{})
		if _, err := New(ctx, db, ob, Options{Subject: sub, AllowedHosts: []string{"*.notify.windows.com", "[::1]"}}); err != nil {
			t.Errorf("subject %q: %v", sub, err)
		}
	}
}

func newService(tb testing.TB, db *store.DB, o Options) *Service {
	tb.Helper()
	ob, err := outbox.New(ctx, db, outbox.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	s, err := New(ctx, db, ob, o)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
