package auth

import (
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPasswordDenylistSizeAndCost(t *testing.T) {
	if n := PasswordDenylistSize(); n < 10_000 {
		t.Fatalf("deny-list holds %d passwords, want at least 10,000", n)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	set := passwordBuildDenylist()
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	runtime.KeepAlive(set)
	t.Logf("deny-list: %d passwords, %d KiB of text, %d KiB on the heap", len(set.ends), len(set.data)/1024, heap/1024)
	if heap > 8<<20 {
		t.Fatalf("deny-list holds %d KiB of heap, want under 8 MiB", heap/1024)
	}
}

func TestPasswordDenylistIsSortedDistinctAndInPolicy(t *testing.T) {
	s := passwordDenylist()
	for i := range len(s.ends) {
		p := s.at(i)
		if n := utf8.RuneCountInString(p); n < PasswordMinRunes || n > PasswordMaxRunes {
			t.Fatalf("entry %q has %d characters: the policy refuses it anyway", p, n)
		}
		if p != strings.ToLower(p) {
			t.Fatalf("entry %q is not lower case: a lower-cased password can never match it", p)
		}
		if i > 0 && s.at(i-1) >= p {
			t.Fatalf("entries %q, %q out of order or repeated: lookups would miss", s.at(i-1), p)
		}
		if i%997 == 0 && !s.has(p) {
			t.Fatalf("lookup misses entry %q", p)
		}
	}
}

func TestPasswordDenylistRefusesCommonPasswords(t *testing.T) {
	for _, pw := range []string{
		"password1", "Password123!", "PASSWORD", "qwertyuiop", "12345678", "iloveyou2024",
		"P@ssw0rd", "p4$$w0rd1", "Sunshine1!", "dragon1987", "Monkey123", "football",
		"letmein!", "Welcome1", "Plymouth", "argyle2026", "trustno1!", "1qaz2wsx",
		"qwerty123", "asdfghjkl", "0987654321", "aaaaaaaa", "12121212", "25121990",
		"princess1", "iloveyou!", "Liverpool1", "starwars", "abcd1234", "123123123",
	} {
		if got := passwordErrID(t, PasswordValidate(pw)); got != PasswordTooCommon {
			t.Errorf("%q: got %q, want %s", pw, got, PasswordTooCommon)
		}
	}
}

func TestPasswordDenylistAcceptsPassphrases(t *testing.T) {
	for _, pw := range []string{
		"violet tractor humming seventeen lanterns",
		"marrow-kettle-orbit-92",
		"Gwyliau yn Aberdaron ym mis Awst",
		"my dog eats plymouth gravel",
		"zq8#kLm2",
		"прекрасный день",
	} {
		if err := PasswordValidate(pw); err != nil {
			t.Errorf("%q refused: %v", pw, err)
		}
	}
}
