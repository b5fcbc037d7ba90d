package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestDevelopmentSecretIsGeneratedOnceAndKeptPrivate(t *testing.T) {
	cfg := Config{DataDir: t.TempDir()}
	first, err := secret(cfg)
	if err != nil || len(first) < minSecretLength {
		t.Fatalf("generated %d bytes, %v", len(first), err)
	}
	again, err := secret(cfg)
	if err != nil || !bytes.Equal(first, again) {
		t.Fatalf("a restart got another secret: %v", err)
	}
	info, err := os.Stat(filepath.Join(cfg.DataDir, "secret"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("secret file mode %v, %v; want 0600", info.Mode().Perm(), err)
	}
	cfg.Secret = "set-by-the-operator-and-long-enough-to-use"
	if got, _ := secret(cfg); string(got) != cfg.Secret {
		t.Fatalf("FRONTDOOR_SECRET not used: %q", got)
	}
	if bytes.Equal(deriveKey(first, "a"), deriveKey(first, "b")) || len(deriveKey(first, "a")) != 32 {
		t.Fatal("derived keys must differ per purpose and be 32 bytes")
	}
}
