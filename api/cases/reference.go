package cases

import (
	"crypto/rand"
	"errors"
	"fmt"
)

// A case reference is what a resident reads out on the phone, types at a
// kiosk or copies from an email: "K7M-Q2X-9PT". Eight random characters and
// one check character from an alphabet without look-alikes, so there is no
// 0/O or 1/I/L to confuse.
//
// The check: every character has a value v (its place in refAlphabet) and
// each position i a weight w_i; a reference is valid when
//
//	sum(w_i * v_i) ≡ 0 (mod 31)
//
// with the weights 2..9 on the random characters and 1 on the check
// character, so all nine are distinct and none is 0 mod 31. Why every typo
// of the two common kinds is caught:
//
//   - One character changed from a to b (a ≠ b) moves the sum by
//     w_i*(b-a). Both factors are non-zero and smaller than 31, and 31 is
//     prime, so the product is not 0 mod 31: the check fails.
//   - Two neighbours a ≠ b swapped at positions i and i+1 moves the sum by
//     (a-b)*(w_{i+1}-w_i). a-b is non-zero and so is w_{i+1}-w_i because the
//     weights are distinct, so again the product is not 0 mod 31. The check
//     character has a weight of its own, so swapping it with its neighbour
//     is caught as well.
//
// Because all nine weights differ, a swap of any two positions, not only
// neighbours, is caught too. reference_test.go proves both cases
// exhaustively for a sample of references.
const (
	refAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ" // 31 characters; 31 is prime
	refBase     = len(refAlphabet)
	refLen      = 9  // 8 random + 1 check
	refMaxInput = 64 // bytes: anything longer is not a mistyped reference
)

// refWeights are the position weights (see above); the check character is last.
var refWeights = [refLen]int{2, 3, 4, 5, 6, 7, 8, 9, 1}

// refValues maps an upper-case ASCII byte to its value, -1 when the byte is
// not in the alphabet.
var refValues = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < refBase; i++ {
		t[refAlphabet[i]] = int8(i)
	}
	return t
}()

// ErrBadReference: the text is not a valid case reference (wrong length,
// a character outside the alphabet, or the check fails). It says nothing
// about whether a case with that reference exists.
var ErrBadReference = errors.New("cases: not a valid reference")

// NewReference returns a fresh random reference in canonical form.
// 31^8 ≈ 8.5e11 references exist, so a collision is rare but possible
// (about 0.6 expected among a million cases): the store's unique index on
// the reference decides, and the caller draws again.
func NewReference() string {
	var v [refLen]byte
	refRandom(v[:refLen-1])
	v[refLen-1] = refCheck(v[:refLen-1])
	return refFormat(v)
}

// refRandom fills dst with uniform values in [0, 31). A random byte is
// used only below 248 = 8*31: taking b%31 of every byte would make the
// first eight characters 9/8 as likely as the rest.
func refRandom(dst []byte) {
	var buf [16]byte
	for i := 0; i < len(dst); {
		rand.Read(buf[:]) // never fails (Go 1.24+: it crashes the program instead)
		for _, b := range buf {
			if b >= byte(8*refBase) {
				continue
			}
			dst[i] = b % byte(refBase)
			if i++; i == len(dst) {
				break
			}
		}
	}
}

// refCheck returns the check value that makes the weighted sum of data
// followed by it 0 mod 31 (the check weight is 1).
func refCheck(data []byte) byte {
	sum := 0
	for i, v := range data {
		sum += refWeights[i] * int(v)
	}
	return byte((refBase - sum%refBase) % refBase)
}

// refValid reports whether the weighted sum of all nine values is 0 mod 31.
func refValid(v [refLen]byte) bool {
	sum := 0
	for i, x := range v {
		sum += refWeights[i] * int(x)
	}
	return sum%refBase == 0
}

// refFormat writes values as "XXX-XXX-XXX".
func refFormat(v [refLen]byte) string {
	out := make([]byte, 0, refLen+2)
	for i, x := range v {
		if i == 3 || i == 6 {
			out = append(out, '-')
		}
		out = append(out, refAlphabet[x])
	}
	return string(out)
}

// ParseReference accepts a reference as people type it (any case, spaces
// and hyphens anywhere) and returns its canonical form "XXX-XXX-XXX".
//
// 0, O, 1, I and L are refused rather than mapped to look-alikes: the
// alphabet has none of them, so such a text was never a reference, and
// guessing what was meant could turn one resident's mistake into another
// resident's case.
func ParseReference(s string) (string, error) {
	if len(s) > refMaxInput {
		return "", fmt.Errorf("%w: too long", ErrBadReference)
	}
	var v [refLen]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '-' || c == '\t':
			continue
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		}
		x := refValues[c]
		if x < 0 {
			return "", fmt.Errorf("%w: character outside the alphabet", ErrBadReference)
		}
		if n == refLen {
			return "", fmt.Errorf("%w: too many characters", ErrBadReference)
		}
		v[n] = byte(x)
		n++
	}
	if n != refLen {
		return "", fmt.Errorf("%w: too few characters", ErrBadReference)
	}
	if !refValid(v) {
		return "", fmt.Errorf("%w: check character does not match", ErrBadReference)
	}
	return refFormat(v), nil
}
