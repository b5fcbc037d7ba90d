package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

func runWith(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errs bytes.Buffer
	code := run(context.Background(), args, env(map[string]string{"FRONTDOOR_LOG_LEVEL": "error"}), strings.NewReader(stdin), &out, &errs)
	return code, out.String(), errs.String()
}

func TestAdminCreateUser(t *testing.T) {
	dir := t.TempDir()
	create := func(stdin string, extra ...string) (int, string, string) {
		args := append([]string{"admin", "create-user", "--data-dir", dir, "--email", "Ada@Plymouth.example", "--role", "staff", "--team", "waste"}, extra...)
		return runWith(t, stdin, args...)
	}
	code, out, errs := create("a long and unguessable passphrase\n", "--password-stdin")
	if code != 0 || !regexp.MustCompile(`created staff [0-9a-z]{26}`).MatchString(out) {
		t.Fatalf("create: exit %d, out %q, err %q", code, out, errs)
	}
	if strings.Contains(out+errs, "unguessable") {
		t.Fatal("the password was echoed")
	}
	// The same email again is refused, and so is a password on the command line.
	if code, _, _ := create("another long passphrase here\n", "--password-stdin"); code != 1 {
		t.Errorf("duplicate email: exit %d, want 1", code)
	}
	if code, _, errs := create(""); code != 2 || !strings.Contains(errs, "--password-stdin") {
		t.Errorf("without --password-stdin: exit %d, %q", code, errs)
	}
	if code, _, _ := runWith(t, "a long and unguessable passphrase\n", "admin", "create-user", "--data-dir", dir,
		"--email", "bob@plymouth.example", "--role", "resident", "--password-stdin"); code != 1 {
		t.Errorf("a resident made by the admin command: exit %d, want 1", code)
	}
	if code, _, errs := runWith(t, "", "admin"); code != 2 || !strings.Contains(errs, "subcommand") {
		t.Errorf("admin alone: exit %d, %q", code, errs)
	}
}

func TestKeysRotateMakesANewKeyEachTime(t *testing.T) {
	dir := t.TempDir()
	kid := regexp.MustCompile(`new signing key (\S+)`)
	var kids []string
	for range 2 {
		code, out, errs := runWith(t, "", "keys", "rotate", "--data-dir", dir)
		m := kid.FindStringSubmatch(out)
		if code != 0 || m == nil {
			t.Fatalf("keys rotate: exit %d, out %q, err %q", code, out, errs)
		}
		kids = append(kids, m[1])
	}
	if kids[0] == kids[1] {
		t.Fatalf("rotation kept the same key %s", kids[0])
	}
}

// TestKeysVapidIsMadeOnceAndKept: the Web Push key is made with the store
// and never changes (a new one would orphan every subscription); only the
// public half is printed.
func TestKeysVapidIsMadeOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	key := regexp.MustCompile(`VAPID public key ([A-Za-z0-9_-]{87})\n`)
	var keys []string
	for range 2 {
		code, out, errs := runWith(t, "", "keys", "vapid", "--data-dir", dir)
		m := key.FindStringSubmatch(out)
		if code != 0 || m == nil || strings.Contains(errs, m[1]) {
			t.Fatalf("keys vapid: exit %d, out %q, err %q", code, out, errs)
		}
		keys = append(keys, m[1])
	}
	if keys[0] != keys[1] {
		t.Fatalf("the VAPID key changed: %s then %s", keys[0], keys[1])
	}
}
