package cases

import (
	"crypto/rand"
	"errors"
	"strings"
	"testing"
)

// refSample returns n fresh references without hyphens ("K7MQ2X9PT").
func refSample(tb testing.TB, n int) []string {
	tb.Helper()
	out := make([]string, n)
	for i := range out {
		out[i] = strings.ReplaceAll(NewReference(), "-", "")
		if len(out[i]) != refLen {
			tb.Fatalf("NewReference gave %q", out[i])
		}
	}
	return out
}

func mustRejectRef(tb testing.TB, s, why string) {
	tb.Helper()
	if got, err := ParseReference(s); !errors.Is(err, ErrBadReference) {
		tb.Fatalf("%s: ParseReference(%q) = %q, %v; want ErrBadReference", why, s, got, err)
	}
}

// Every single mistyped character, at every position, with every other
// character of the alphabet, must be refused.
func TestReferenceCatchesEverySubstitution(t *testing.T) {
	checked := 0
	for _, ref := range refSample(t, 1000) {
		if _, err := ParseReference(ref); err != nil {
			t.Fatalf("fresh reference %q refused: %v", ref, err)
		}
		for pos := 0; pos < refLen; pos++ {
			for _, c := range []byte(refAlphabet) {
				if c != ref[pos] {
					mustRejectRef(t, ref[:pos]+string(c)+ref[pos+1:], "substitution")
					checked++
				}
			}
		}
	}
	if want := 1000 * refLen * (refBase - 1); checked != want {
		t.Fatalf("checked %d substitutions, want %d", checked, want)
	}
}

// Any byte outside the alphabet in place of a character is refused too,
// so a look-alike (0, O, 1, I, L) is never read as the character it
// resembles: were one mapped to some character, every reference with
// that character at the typo's position would be accepted, and among 900
// positions each character turns up about 29 times.
func TestReferenceRefusesEveryForeignByte(t *testing.T) {
	for _, ref := range refSample(t, 100) {
		for pos := 0; pos < refLen; pos++ {
			for c := 0; c < 256; c++ {
				up := byte(c)
				if 'a' <= up && up <= 'z' {
					up -= 'a' - 'A'
				}
				if refValues[up] < 0 && c != ' ' && c != '-' && c != '\t' {
					mustRejectRef(t, ref[:pos]+string(byte(c))+ref[pos+1:], "foreign byte")
				}
			}
		}
	}
}

// Every swap of two different neighbours must be refused, including the
// last data character with the check character. Because the weights are
// all distinct, swaps of non-neighbours are caught too; that is checked as
// well since the comment in reference.go claims it.
func TestReferenceCatchesEveryTransposition(t *testing.T) {
	adjacent := 0
	for _, ref := range refSample(t, 1000) {
		for i := 0; i < refLen; i++ {
			for j := i + 1; j < refLen; j++ {
				if ref[i] == ref[j] {
					continue // swapping equal characters changes nothing
				}
				b := []byte(ref)
				b[i], b[j] = b[j], b[i]
				mustRejectRef(t, string(b), "transposition")
				if j == i+1 {
					adjacent++
				}
			}
		}
	}
	// 8 neighbour pairs per reference; equal neighbours occur with p = 1/31.
	if adjacent < 7500 {
		t.Fatalf("only %d adjacent transpositions checked", adjacent)
	}
}

// References already handed to residents must stay valid: a change to the
// alphabet or the weights would break every one of them. These were worked
// out by hand: K7MQ2X9P has values 17,5,18,21,0,28,7,20, weighted by 2..9
// that is 658 ≡ 7 (mod 31), so the check value is 31-7 = 24, "T".
func TestReferenceKnownValues(t *testing.T) {
	for _, in := range []string{"k7m q2x 9pt", "K7M-Q2X-9PT", "k7mq2x9pt", " K7M-Q2X-9PT\t", "K-7-M-Q-2-X-9-P-T", "k7M--q2X  9pT"} {
		got, err := ParseReference(in)
		if err != nil || got != "K7M-Q2X-9PT" {
			t.Errorf("ParseReference(%q) = %q, %v; want K7M-Q2X-9PT", in, got, err)
		}
	}
	// 22222222 has sum 0, so its check is "2" (value 0).
	if got, err := ParseReference("222 222 222"); err != nil || got != "222-222-222" {
		t.Errorf("ParseReference(222 222 222) = %q, %v", got, err)
	}
}

func TestReferenceRoundTripsTypedForms(t *testing.T) {
	for _, ref := range refSample(t, 200) {
		canon := ref[:3] + "-" + ref[3:6] + "-" + ref[6:]
		lower := strings.ToLower(ref)
		for _, in := range []string{
			canon,
			ref,
			lower,
			lower[:3] + " " + lower[3:6] + " " + lower[6:],
			"  " + canon + "  ",
			strings.Join(strings.Split(ref, ""), " "),
		} {
			got, err := ParseReference(in)
			if err != nil || got != canon {
				t.Fatalf("ParseReference(%q) = %q, %v; want %q", in, got, err, canon)
			}
		}
	}
}

func TestReferenceRefusesNearMissesAndGarbage(t *testing.T) {
	long := "K7M-Q2X-9PT" + strings.Repeat(" ", refMaxInput-11)
	if got, err := ParseReference(long); err != nil || got != "K7M-Q2X-9PT" {
		t.Fatalf("a %d-byte padded reference was refused: %v", len(long), err)
	}
	for _, tc := range []struct{ in, why string }{
		{"", "empty"},
		{"   - -  ", "only separators"},
		{"K7M-Q2X-9P", "one character short"},
		{"K7M-Q2X-9PTT", "one character too many"},
		{"K7M-Q2X-9PT-K7M", "two references run together"},
		{"K7M-Q2X-9PF", "wrong check character"},
		{"K7M-Q2X-P9T", "neighbours swapped"},
		{"0K7M-Q2X-9P", "zero"},
		{"K7M-Q2X-9PO", "letter O"},
		{"K7M-Q2X-9P1", "digit one"},
		{"K7M-Q2X-9PI", "letter I"},
		{"K7M-Q2X-9PL", "letter L"},
		{"K7M_Q2X_9PT", "underscores"},
		{"K7M.Q2X.9PT", "dots"},
		{"K7M–Q2X–9PT", "en dashes"},
		{"Ｋ7M-Q2X-9PT", "full-width K"},
		{"K7M-Q2X-9PT\x00", "NUL byte"},
		{"K7M-Q2X-9P\xff", "invalid UTF-8"},
		{"K7M\nQ2X\n9PT", "newlines"},
		{"k7m-q2x-9pt; drop table cases", "injection"},
		{long + " ", "padded beyond the limit"},
		{strings.Repeat("2", 10000), "huge"},
	} {
		mustRejectRef(t, tc.in, tc.why)
	}
}

// refChiSquare returns the chi-square statistic of counts against a
// uniform spread of total over len(counts) cells.
func refChiSquare(counts []int, total int) float64 {
	want := float64(total) / float64(len(counts))
	chi := 0.0
	for _, c := range counts {
		d := float64(c) - want
		chi += d * d / want
	}
	return chi
}

// For 30 degrees of freedom P(chi² > 110) ≈ 5e-11, so a fair generator
// fails this by chance about once in two billion runs, while a modulo-biased
// one (b%31 of every byte) scores about 280 on 100,000 references.
const refChiLimit = 110

func TestReferencesAreUniqueAndUniform(t *testing.T) {
	const n = 100_000
	seen := make(map[string]bool, n)
	var counts [refLen][refBase]int
	dups := 0
	for _, ref := range refSample(t, n) {
		if seen[ref] {
			dups++
		}
		seen[ref] = true
		for pos := 0; pos < refLen; pos++ {
			counts[pos][refValues[ref[pos]]]++
		}
	}
	// 31^8 ≈ 8.5e11 references, so 100,000 draws give 0.006 expected
	// collisions; three or more would mean P ≈ 3e-8 by chance.
	if dups > 2 {
		t.Fatalf("%d duplicate references among %d", dups, n)
	}
	for pos := range counts {
		if chi := refChiSquare(counts[pos][:], n); chi > refChiLimit {
			t.Errorf("position %d: chi-square %.1f > %d, counts %v", pos, chi, refChiLimit, counts[pos])
		}
	}
}

// The uniformity test must be able to fail: the same statistic on values
// drawn with modulo bias is far over the limit.
func TestReferenceChiSquareCatchesModuloBias(t *testing.T) {
	const n = 100_000
	counts := make([]int, refBase)
	buf := make([]byte, n)
	rand.Read(buf)
	for _, b := range buf {
		counts[int(b)%refBase]++
	}
	if chi := refChiSquare(counts, n); chi < 2*refChiLimit {
		t.Fatalf("biased sample scored only %.1f", chi)
	}
}

func FuzzParseReference(f *testing.F) {
	for _, s := range []string{"K7M-Q2X-9PT", "k7m q2x 9pt", "K7M-Q2X-9PF", "O0I1L", "", "222-222-222"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseReference(s)
		if err != nil {
			if !errors.Is(err, ErrBadReference) {
				t.Fatalf("ParseReference(%q) error %v is not ErrBadReference", s, err)
			}
			return
		}
		if len(got) != refLen+2 || got[3] != '-' || got[7] != '-' {
			t.Fatalf("ParseReference(%q) = %q, not XXX-XXX-XXX", s, got)
		}
		if again, err := ParseReference(got); err != nil || again != got {
			t.Fatalf("canonical %q re-parses to %q, %v", got, again, err)
		}
		if again, err := ParseReference(strings.ToLower(got)); err != nil || again != got {
			t.Fatalf("lower-case %q re-parses to %q, %v", got, again, err)
		}
	})
}
