package catalogue

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"frontdoor/api/accounts"
)

// Place is an address a gazetteer knows: the address as an address answer
// holds it (with its UPRN) and where it is on the map.
type Place struct {
	Address
	Point
}

// Gazetteer finds the addresses at a postcode, as the GOV.UK "find an
// address" pattern needs. A council plugs in its own: its local land and
// property gazetteer, or OS Places. DemoGazetteer stands in until then.
type Gazetteer interface {
	// Lookup lists the addresses at a postcode given in standard form
	// ("PL1 2AA"), in any order. A postcode it has no addresses for is an
	// empty list, not an error: errors are the gazetteer failing.
	Lookup(ctx context.Context, postcode string) ([]Place, error)
}

// LookupAddresses checks and normalizes a postcode as typed ("pl12aa"
// becomes "PL1 2AA", like every postcode answer), asks g for its
// addresses and puts them in the order people read them: by street, then
// house number (2 before 10). A missing or malformed postcode is a
// validation error on "/postcode".
func LookupAddresses(ctx context.Context, g Gazetteer, typed string) (string, []Place, error) {
	if strings.TrimSpace(typed) == "" {
		return "", nil, &ValidationError{Fields: []FieldError{{Pointer: "/postcode", ID: MsgPostcodeRequired}}}
	}
	postcode, ok := accounts.NormalizePostcode(typed)
	if !ok {
		return "", nil, &ValidationError{Fields: []FieldError{{Pointer: "/postcode", ID: MsgPostcodeInvalid}}}
	}
	places, err := g.Lookup(ctx, postcode)
	if err != nil {
		return "", nil, err
	}
	places = slices.Clone(places)
	if places == nil {
		places = []Place{}
	}
	slices.SortStableFunc(places, compareAddresses)
	return postcode, places, nil
}

// compareAddresses orders two addresses by street, then naturally by the
// whole first line ("2 Armada Way" before "10 Armada Way", "24" before
// "24A"), then by UPRN so that the order is total.
func compareAddresses(a, b Place) int {
	if c := naturalCompare(streetOf(a.Line1), streetOf(b.Line1)); c != 0 {
		return c
	}
	if c := naturalCompare(a.Line1, b.Line1); c != 0 {
		return c
	}
	return cmp.Compare(a.UPRN, b.UPRN)
}

// streetOf is a first line without its leading house number ("12A Armada
// Way" gives "Armada Way"); a line that starts otherwise is kept whole.
func streetOf(line string) string {
	line = strings.TrimSpace(line)
	if line == "" || !isDigit(line[0]) {
		return line
	}
	_, rest, found := strings.Cut(line, " ")
	if !found {
		return ""
	}
	return strings.TrimSpace(rest)
}

// naturalCompare orders text as people read it: runs of digits by their
// value ("2" before "10"), numbers before words, the rest without regard
// to letter case. Texts that read the same ("01", "1"; "a", "A") are then
// ordered by their bytes, so the order is total.
func naturalCompare(a, b string) int {
	for x, y := a, b; x != "" && y != ""; {
		rx, ry := leadingRun(x), leadingRun(y)
		dx, dy := isDigit(rx[0]), isDigit(ry[0])
		var c int
		switch {
		case dx && dy:
			c = compareDigits(rx, ry)
		case dx:
			return -1
		case dy:
			return 1
		default:
			c = strings.Compare(strings.ToLower(rx), strings.ToLower(ry))
		}
		if c != 0 {
			return c
		}
		x, y = x[len(rx):], y[len(ry):]
		if x == "" || y == "" {
			if c := cmp.Compare(len(x), len(y)); c != 0 {
				return c // a text that is the start of another comes first
			}
		}
	}
	return strings.Compare(a, b)
}

// leadingRun is the run of digits, or of anything else, that s starts with.
func leadingRun(s string) string {
	digits := isDigit(s[0])
	for i := 1; i < len(s); i++ {
		if isDigit(s[i]) != digits {
			return s[:i]
		}
	}
	return s
}

// compareDigits compares two runs of ASCII digits by value, however long.
func compareDigits(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if c := cmp.Compare(len(a), len(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// StaticGazetteer is a gazetteer held in memory, keyed by postcode in
// standard form: the demo's, or a council's small list loaded at start.
type StaticGazetteer map[string][]Place

// Lookup returns a copy of the postcode's addresses.
func (g StaticGazetteer) Lookup(_ context.Context, postcode string) ([]Place, error) {
	return slices.Clone(g[postcode]), nil
}
