package auth

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func passwordTestHasher(tb testing.TB, opts HasherOptions) *Hasher {
	tb.Helper()
	h, err := NewHasher(opts)
	if err != nil {
		tb.Fatalf("NewHasher: %v", err)
	}
	return h
}

func passwordMustHash(tb testing.TB, h *Hasher, pw string) string {
	tb.Helper()
	phc, err := h.Hash(context.Background(), pw)
	if err != nil {
		tb.Fatalf("Hash(%q): %v", pw, err)
	}
	return phc
}

func passwordVerifies(tb testing.TB, h *Hasher, pw, phc string) bool {
	tb.Helper()
	ok, _, err := h.Verify(context.Background(), pw, phc)
	if err != nil {
		tb.Fatalf("Verify: %v", err)
	}
	return ok
}

// passwordErrID is the message id of a *PasswordError, or "" for nil.
func passwordErrID(tb testing.TB, err error) string {
	tb.Helper()
	if err == nil {
		return ""
	}
	var pe *PasswordError
	if !errors.As(err, &pe) {
		tb.Fatalf("want *PasswordError, got %T %v", err, err)
	}
	return pe.ID
}

func TestPasswordValidateLength(t *testing.T) {
	emoji := "🦔" // one rune, four bytes
	tests := []struct {
		name, pw string
		id       string
		count    int
	}{
		{"seven ASCII", "kq7#vbz", PasswordTooShort, 8},
		{"eight ASCII", "kq7#vbzx", "", 0},
		{"seven decomposed é is seven characters", strings.Repeat("e\u0301", 7), PasswordTooShort, 8},
		{"eight decomposed é is eight characters", strings.Repeat("e\u0301", 8), "", 0},
		{"128 emoji", strings.Repeat(emoji, 128), "", 0},
		{"129 emoji", strings.Repeat(emoji, 129), PasswordTooLong, 128},
		{"128 decomposed é fit after NFC", strings.Repeat("e\u0301", 128), "", 0},
		{"invalid UTF-8", "kq7#vbzx\xff", PasswordNotText, 0},
		{"empty", "", PasswordTooShort, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := PasswordValidate(tt.pw)
			if got := passwordErrID(t, err); got != tt.id {
				t.Fatalf("id = %q, want %q (err %v)", got, tt.id, err)
			}
			if tt.count != 0 {
				var pe *PasswordError
				errors.As(err, &pe)
				if pe.Data["Count"] != tt.count {
					t.Fatalf("Data = %v, want Count %d", pe.Data, tt.count)
				}
			}
		})
	}
}

func TestPasswordNeverTruncated(t *testing.T) {
	h := passwordTestHasher(t, HasherOptions{})
	long := strings.Repeat("🦔", 127) + "🐝" // 128 runes, 512 bytes: far past bcrypt's 72
	phc := passwordMustHash(t, h, long)
	if !passwordVerifies(t, h, long, phc) {
		t.Fatal("the 128-character password does not verify against its own hash")
	}
	if passwordVerifies(t, h, strings.Repeat("🦔", 127)+"🐜", phc) {
		t.Fatal("a password differing only in the 128th character verifies")
	}
	if passwordVerifies(t, h, long+"🐜", phc) {
		t.Fatal("a 129-character password verifies against the hash of its 128-character prefix")
	}
	if _, err := h.Hash(context.Background(), long+"🐜"); passwordErrID(t, err) != PasswordTooLong {
		t.Fatalf("Hash of 129 characters: %v, want PasswordTooLong", err)
	}
}

func TestPasswordNormalizedBeforeHashing(t *testing.T) {
	h := passwordTestHasher(t, HasherOptions{})
	phc := passwordMustHash(t, h, "caf\u00e9 lantern orbit") // é composed
	if !passwordVerifies(t, h, "cafe\u0301 lantern orbit", phc) {
		t.Fatal("the same password typed with a decomposed é does not verify")
	}
	if passwordVerifies(t, h, "cafe lantern orbit", phc) {
		t.Fatal("the password without the accent verifies")
	}
}

func TestPasswordPHCFormat(t *testing.T) {
	h := passwordTestHasher(t, HasherOptions{})
	a := passwordMustHash(t, h, "violet tractor humming")
	b := passwordMustHash(t, h, "violet tractor humming")
	format := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !format.MatchString(a) {
		t.Fatalf("hash %q is not $argon2id$v=19$m=19456,t=2,p=1$<16-byte salt>$<32-byte key>", a)
	}
	if a == b {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	ph, err := passwordParsePHC(a)
	if err != nil {
		t.Fatalf("parse own hash: %v", err)
	}
	if ph.String() != a || ph.params != PasswordDefaults() || len(ph.salt) != 16 || len(ph.key) != 32 {
		t.Fatalf("round trip: %+v prints %q, want %q", ph, ph.String(), a)
	}
	if !passwordVerifies(t, h, "violet tractor humming", b) || passwordVerifies(t, h, "violet tractor hummin", b) {
		t.Fatal("verify does not tell the right password from a wrong one")
	}
}

func TestPasswordVerifyTamperedHash(t *testing.T) {
	h := passwordTestHasher(t, HasherOptions{})
	pw := "violet tractor humming"
	good := passwordMustHash(t, h, pw)
	parts := strings.Split(good, "$") // "", argon2id, v=19, costs, salt, key
	join := func(p ...string) string { return strings.Join(p, "$") }
	flip := func(s string) string { // change the first character, keep it base64
		if s[0] == 'A' {
			return "B" + s[1:]
		}
		return "A" + s[1:]
	}
	malformed := map[string]string{
		"argon2i":         join("", "argon2i", parts[2], parts[3], parts[4], parts[5]),
		"version 16":      join("", "argon2id", "v=16", parts[3], parts[4], parts[5]),
		"no version":      join("", "argon2id", parts[3], parts[4], parts[5]),
		"costs reordered": join("", "argon2id", parts[2], "t=2,m=19456,p=1", parts[4], parts[5]),
		"leading zero":    join("", "argon2id", parts[2], "m=019456,t=2,p=1", parts[4], parts[5]),
		"sign":            join("", "argon2id", parts[2], "m=+19456,t=2,p=1", parts[4], parts[5]),
		"p=0":             join("", "argon2id", parts[2], "m=19456,t=2,p=0", parts[4], parts[5]),
		"m over 1 GiB":    join("", "argon2id", parts[2], "m=1048577,t=2,p=1", parts[4], parts[5]),
		"m below 8p":      join("", "argon2id", parts[2], "m=15,t=2,p=2", parts[4], parts[5]),
		"t huge":          join("", "argon2id", parts[2], "m=19456,t=4294967296,p=1", parts[4], parts[5]),
		"padded salt":     join("", "argon2id", parts[2], parts[3], parts[4]+"==", parts[5]),
		"newline in key":  join("", "argon2id", parts[2], parts[3], parts[4], parts[5][:10]+"\n"+parts[5][10:]),
		"url base64":      join("", "argon2id", parts[2], parts[3], strings.NewReplacer("+", "-", "/", "_").Replace(parts[4])+"-", parts[5]),
		"short key":       join("", "argon2id", parts[2], parts[3], parts[4], parts[5][:20]),
		"extra field":     good + "$",
		"empty":           "",
		"bcrypt":          "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
	}
	for name, phc := range malformed {
		ok, up, err := h.Verify(context.Background(), pw, phc)
		if !errors.Is(err, ErrPasswordHash) || ok || up {
			t.Errorf("%s: Verify(%q) = %v, %v, %v; want ErrPasswordHash", name, phc, ok, up, err)
		}
	}
	wrong := map[string]string{ // well formed, but not the hash of pw
		"salt changed": join("", "argon2id", parts[2], parts[3], flip(parts[4]), parts[5]),
		"key changed":  join("", "argon2id", parts[2], parts[3], parts[4], flip(parts[5])),
		"m changed":    join("", "argon2id", parts[2], "m=19457,t=2,p=1", parts[4], parts[5]),
		"t changed":    join("", "argon2id", parts[2], "m=19456,t=3,p=1", parts[4], parts[5]),
	}
	for name, phc := range wrong {
		if passwordVerifies(t, h, pw, phc) {
			t.Errorf("%s: the password verifies against a tampered hash %q", name, phc)
		}
	}
}

// passwordHashWith hashes at any parameters, as an older release would have.
func passwordHashWith(tb testing.TB, h *Hasher, pw string, p PasswordParams, saltLen, keyLen int) string {
	tb.Helper()
	ph := passwordPHC{params: p, salt: passwordRandom(saltLen)}
	key, err := h.derive(context.Background(), pw, ph.salt, p, uint32(keyLen))
	if err != nil {
		tb.Fatal(err)
	}
	ph.key = key
	return ph.String()
}

func TestPasswordUpgradeFlag(t *testing.T) {
	h := passwordTestHasher(t, HasherOptions{})
	pw := "violet tractor humming"
	tests := []struct {
		name     string
		p        PasswordParams
		salt, kl int
		upgrade  bool
	}{
		{"current", PasswordDefaults(), 16, 32, false},
		{"less memory", PasswordParams{Memory: 12 * 1024, Time: 3, Threads: 1}, 16, 32, true},
		{"fewer passes", PasswordParams{Memory: 19 * 1024, Time: 1, Threads: 1}, 16, 32, true},
		{"short salt", PasswordDefaults(), 8, 32, true},
		{"short key", PasswordDefaults(), 16, 16, true},
		{"stronger", PasswordParams{Memory: 32 * 1024, Time: 3, Threads: 2}, 16, 32, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			phc := passwordHashWith(t, h, pw, tt.p, tt.salt, tt.kl)
			ok, up, err := h.Verify(context.Background(), pw, phc)
			if err != nil || !ok || up != tt.upgrade {
				t.Fatalf("Verify = %v, upgrade %v, %v; want true, upgrade %v", ok, up, err, tt.upgrade)
			}
			ok, up, err = h.Verify(context.Background(), "not the password", phc)
			if err != nil || ok || up {
				t.Fatalf("wrong password: Verify = %v, upgrade %v, %v; want false, no upgrade", ok, up, err)
			}
		})
	}
}

func TestNewHasherRefusesWeakParams(t *testing.T) {
	for _, p := range []PasswordParams{
		{Memory: 12 * 1024, Time: 2, Threads: 1},
		{Memory: 19 * 1024, Time: 1, Threads: 1},
		{Memory: 19 * 1024, Time: 2, Threads: 0},
		{Memory: 2 << 20, Time: 2, Threads: 1},
	} {
		if _, err := NewHasher(HasherOptions{Params: p}); err == nil {
			t.Errorf("NewHasher accepted %+v", p)
		}
	}
	h := passwordTestHasher(t, HasherOptions{})
	if h.Params() != (PasswordParams{Memory: 19456, Time: 2, Threads: 1}) {
		t.Fatalf("default params %+v, want m=19456 t=2 p=1", h.Params())
	}
}

func TestPasswordHashingIsBounded(t *testing.T) {
	h := passwordTestHasher(t, HasherOptions{MaxConcurrent: 2})
	var active, peak atomic.Int32
	h.inSlot = func() {
		n := active.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(30 * time.Millisecond)
		active.Add(-1)
	}
	phc := passwordMustHash(t, h, "violet tractor humming")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			var err error
			if i%2 == 0 {
				err = h.VerifyDummy(context.Background(), "anything at all")
			} else if ok, _, verr := h.Verify(context.Background(), "violet tractor humming", phc); !ok {
				err = errors.Join(errors.New("right password refused"), verr)
			}
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := peak.Load(); got != 2 {
		t.Fatalf("peak concurrent hashes = %d, want exactly the limit, 2", got)
	}
	if d := passwordTestHasher(t, HasherOptions{}); cap(d.slots) != 2*runtime.GOMAXPROCS(0) {
		t.Fatalf("default limit %d, want 2×GOMAXPROCS = %d", cap(d.slots), 2*runtime.GOMAXPROCS(0))
	}
}

func TestPasswordWaitEndsWithContext(t *testing.T) {
	h := passwordTestHasher(t, HasherOptions{MaxConcurrent: 1})
	release, holding := make(chan struct{}), make(chan struct{})
	var once sync.Once
	h.inSlot = func() {
		once.Do(func() { close(holding); <-release })
	}
	done := make(chan error)
	go func() {
		_, err := h.Hash(context.Background(), "violet tractor humming")
		done <- err
	}()
	<-holding
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := h.Hash(ctx, "another fine phrase"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting caller got %v, want context.DeadlineExceeded", err)
	}
	if waited := time.Since(start); waited > 2*time.Second {
		t.Fatalf("waiting caller took %v to give up", waited)
	}
	gone, cancelNow := context.WithCancel(context.Background())
	cancelNow()
	if err := h.VerifyDummy(gone, "anything at all"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller got %v, want context.Canceled", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("the caller holding the slot: %v", err)
	}
}

// TestPasswordDummyCostsTheSame guards against account enumeration by timing:
// an unknown account must take as long as a wrong password.
func TestPasswordDummyCostsTheSame(t *testing.T) {
	h := passwordTestHasher(t, HasherOptions{})
	phc := passwordMustHash(t, h, "violet tractor humming")
	ctx := context.Background()
	timed := func(fn func() error) time.Duration {
		runtime.GC() // each run starts from the same heap
		start := time.Now()
		if err := fn(); err != nil {
			t.Fatal(err)
		}
		return time.Since(start)
	}
	verifyWrong := func() error {
		if ok, _, err := h.Verify(ctx, "wrong guess here", phc); ok || err != nil {
			return fmt.Errorf("Verify = %v, %v", ok, err)
		}
		return nil
	}
	dummy := func() error { return h.VerifyDummy(ctx, "wrong guess here") }
	// Pairs run back to back, in alternating order, so drift in the machine's
	// load hits both sides alike; the median of the pairs' ratios ignores
	// the odd pause.
	var ratios []float64
	for i := range 15 {
		var r, d time.Duration
		if i%2 == 0 {
			r, d = timed(verifyWrong), timed(dummy)
		} else {
			d, r = timed(dummy), timed(verifyWrong)
		}
		ratios = append(ratios, float64(d)/float64(r))
	}
	slices.Sort(ratios)
	ratio := ratios[len(ratios)/2]
	t.Logf("VerifyDummy / Verify: median ratio %.3f over %d pairs (range %.2f..%.2f)", ratio, len(ratios), ratios[0], ratios[len(ratios)-1])
	if ratio < 0.75 || ratio > 1.25 {
		t.Fatalf("VerifyDummy costs %.2f× a Verify, want within 25%%", ratio)
	}
}

func BenchmarkHash(b *testing.B) {
	h := passwordTestHasher(b, HasherOptions{})
	ctx := context.Background()
	b.ReportAllocs() // B/op is the memory one hash holds at its peak
	for b.Loop() {
		if _, err := h.Hash(ctx, "violet tractor humming"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	h := passwordTestHasher(b, HasherOptions{})
	phc := passwordMustHash(b, h, "violet tractor humming")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if ok, _, err := h.Verify(ctx, "violet tractor humming", phc); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkVerifyDummy(b *testing.B) {
	h := passwordTestHasher(b, HasherOptions{})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := h.VerifyDummy(ctx, "violet tractor humming"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyBurst is 32 sign-ins at once, under the default limit and,
// as the baseline, with none (32 slots): the limit keeps the heap near
// MaxConcurrent hashes' worth however many arrive (peak-heap-MiB).
func BenchmarkVerifyBurst(b *testing.B) {
	for _, limit := range []int{0, 32} {
		h := passwordTestHasher(b, HasherOptions{MaxConcurrent: limit})
		b.Run(fmt.Sprintf("limit=%d", cap(h.slots)), func(b *testing.B) {
			phc := passwordMustHash(b, h, "violet tractor humming")
			ctx := context.Background()
			runtime.GC()
			stop, peak := passwordSampleHeap()
			for b.Loop() {
				var wg sync.WaitGroup
				for range 32 {
					wg.Go(func() { h.Verify(ctx, "violet tractor humming", phc) })
				}
				wg.Wait()
			}
			stop()
			b.ReportMetric(float64(*peak)/(1<<20), "peak-heap-MiB")
		})
	}
}

// passwordSampleHeap records the largest live heap until stop is called.
func passwordSampleHeap() (stop func(), peak *uint64) {
	peak = new(uint64)
	done, finished := make(chan struct{}), make(chan struct{})
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	go func() {
		defer close(finished)
		for {
			metrics.Read(sample)
			*peak = max(*peak, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	return func() { close(done); <-finished }, peak
}

func FuzzParsePHC(f *testing.F) {
	// More seeds, malformed ones among them, are in testdata/fuzz/FuzzParsePHC.
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$v35OXCVZnWgRxgUxdFD2Lw$qQeUQxlxQKyvTmbBYABEXf9i/7i94uqt/55FmzKJHm8")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$EnieVo4jC6M$BKNwr21Mw1St7+yAXARFVQ")
	f.Add("$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$a2V5")
	f.Fuzz(func(t *testing.T, s string) {
		ph, err := passwordParsePHC(s)
		if err != nil {
			if !errors.Is(err, ErrPasswordHash) {
				t.Fatalf("error %v does not wrap ErrPasswordHash", err)
			}
			return
		}
		if ph.String() != s {
			t.Fatalf("accepted %q but prints it as %q: not canonical", s, ph.String())
		}
		p := ph.params
		if p.Memory > passwordMaxMemory || p.Time < 1 || p.Time > passwordMaxTime || p.Threads < 1 ||
			p.Memory < 8*uint32(p.Threads) || len(ph.salt) < 8 || len(ph.salt) > 64 || len(ph.key) < 16 || len(ph.key) > 64 {
			t.Fatalf("accepted out-of-bounds %q: %+v", s, ph)
		}
	})
}
