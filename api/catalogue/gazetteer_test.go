package catalogue

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"frontdoor/api/accounts"
)

// TestDemoGazetteerIsPlymouth: every demo address is a whole one (a first
// line, the town, its postcode in standard form, a 12-digit UPRN of its
// own) at a place inside the demo council's area; there are about eight
// postcodes of several addresses each, PL1 2AA among them.
func TestDemoGazetteerIsPlymouth(t *testing.T) {
	g := DemoGazetteer()
	if len(g) < 8 || len(g["PL1 2AA"]) < 5 {
		t.Fatalf("%d postcodes, %d addresses at PL1 2AA", len(g), len(g["PL1 2AA"]))
	}
	twelve := regexp.MustCompile(`^[1-9][0-9]{11}$`)
	uprns := map[string]string{}
	districts := map[string]bool{}
	for postcode, places := range g {
		if n, ok := accounts.NormalizePostcode(postcode); !ok || n != postcode {
			t.Errorf("postcode %q is not in standard form", postcode)
		}
		districts[strings.Fields(postcode)[0]] = true
		if len(places) < 3 || len(places) > 8 {
			t.Errorf("%s has %d addresses, want 3 to 8", postcode, len(places))
		}
		for _, p := range places {
			if p.Postcode != postcode || p.Town != "Plymouth" || p.Line1 == "" || !isDigit(p.Line1[0]) {
				t.Errorf("%s: incomplete address %+v", postcode, p)
			}
			if !twelve.MatchString(p.UPRN) || !uprnPattern.MatchString(p.UPRN) {
				t.Errorf("%s: UPRN %q is not 12 digits", p.Line1, p.UPRN)
			}
			if other, dup := uprns[p.UPRN]; dup {
				t.Errorf("UPRN %s is both %s and %s", p.UPRN, other, p.Line1)
			}
			uprns[p.UPRN] = p.Line1 + ", " + postcode
			if !Plymouth.Contains(p.Point) {
				t.Errorf("%s, %s at %v is outside Plymouth", p.Line1, postcode, p.Point)
			}
		}
	}
	for _, d := range []string{"PL1", "PL2", "PL3", "PL4", "PL6"} {
		if !districts[d] {
			t.Errorf("no demo postcode in %s", d)
		}
	}
	if got := g["PL1 2AA"][0]; got.UPRN != "100040412345" || got.Line1 != "1 Armada Way" || got.Lat != 50.3712 || got.Lng != -4.1427 {
		t.Errorf("the first address of PL1 2AA is %+v", got)
	}
}

// TestLookupAddresses: a postcode is read as typed and answered in standard
// form, its addresses by street and then house number as people read them;
// a real postcode with no addresses is an empty list; a missing or
// malformed one is a validation error on /postcode; a failing gazetteer's
// error comes through.
func TestLookupAddresses(t *testing.T) {
	ctx := context.Background()
	for _, typed := range []string{"PL1 2AA", "pl12aa", "  Pl1   2aA "} {
		pc, got, err := LookupAddresses(ctx, DemoGazetteer(), typed)
		if err != nil || pc != "PL1 2AA" {
			t.Fatalf("%q: %q, %v", typed, pc, err)
		}
		var lines []string
		for _, p := range got {
			lines = append(lines, p.Line1)
		}
		want := "1 Armada Way|2 Armada Way|3 Armada Way|10 Armada Way|11 Armada Way|12 Armada Way|21 Armada Way"
		if strings.Join(lines, "|") != want {
			t.Errorf("%q: order %v", typed, lines)
		}
	}
	pc, got, err := LookupAddresses(ctx, DemoGazetteer(), "ex1 1aa")
	if err != nil || pc != "EX1 1AA" || got == nil || len(got) != 0 {
		t.Errorf("a postcode with no addresses: %q %#v %v", pc, got, err)
	}
	for typed, want := range map[string]string{"": MsgPostcodeRequired, "   ": MsgPostcodeRequired, "PL1 2A": MsgPostcodeInvalid,
		"PL1 2AAA": MsgPostcodeInvalid, "12345": MsgPostcodeInvalid, "PL1 2CA": MsgPostcodeInvalid, "Armada Way": MsgPostcodeInvalid} {
		_, _, err := LookupAddresses(ctx, DemoGazetteer(), typed)
		var ve *ValidationError
		if !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Pointer != "/postcode" || ve.Fields[0].ID != want {
			t.Errorf("%q: %v, want %s on /postcode", typed, err, want)
		}
	}
	boom := errors.New("gazetteer down")
	if _, _, err := LookupAddresses(ctx, failingGazetteer{boom}, "PL1 2AA"); !errors.Is(err, boom) {
		t.Errorf("a failing gazetteer gave %v", err)
	}
}

type failingGazetteer struct{ err error }

func (g failingGazetteer) Lookup(context.Context, string) ([]Place, error) { return nil, g.err }

// TestLookupSortsAnyGazetteer: whatever order a council's gazetteer answers
// in, residents get streets in order and each street's houses by number,
// and the gazetteer's own list is left as it was.
func TestLookupSortsAnyGazetteer(t *testing.T) {
	at := func(line, uprn string) Place {
		return Place{Address: Address{Line1: line, Town: "Plymouth", Postcode: "PL4 6LA", UPRN: uprn}}
	}
	from := []Place{at("10 Mutley Plain", "5"), at("Flat 2, 9 Mutley Plain", "9"), at("2 Alexandra Road", "6"),
		at("24A Mutley Plain", "3"), at("9 Mutley Plain", "4"), at("24 Mutley Plain", "2"), at("10 alexandra road", "7"),
		at("10 Mutley Plain", "1")}
	g := StaticGazetteer{"PL4 6LA": slices.Clone(from)}
	_, got, err := LookupAddresses(context.Background(), g, "PL4 6LA")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, p := range got {
		lines = append(lines, p.Line1+"#"+p.UPRN)
	}
	want := "2 Alexandra Road#6|10 alexandra road#7|Flat 2, 9 Mutley Plain#9|9 Mutley Plain#4|10 Mutley Plain#1|10 Mutley Plain#5|24 Mutley Plain#2|24A Mutley Plain#3"
	if strings.Join(lines, "|") != want {
		t.Errorf("order\n got %s\nwant %s", strings.Join(lines, "|"), want)
	}
	if !slices.Equal(g["PL4 6LA"], from) {
		t.Error("the lookup reordered the gazetteer's own list")
	}
}

func TestNaturalCompare(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"2", "10", -1},
		{"10", "2", 1},
		{"2 Armada Way", "10 Armada Way", -1},
		{"24", "24A", -1},
		{"24A", "24B", -1},
		{"24b", "24A", 1},
		{"Flat 2", "Flat 10", -1},
		{"armada", "Armada", 1}, // read the same; then by bytes, so the order is total
		{"007", "7", -1},
		{"99999999999999999999999", "100000000000000000000000", -1}, // longer than any integer type
		{"1 Road", "Road", -1}, // numbers before words
		{"", "a", -1},
		{"same", "same", 0},
	} {
		if got := naturalCompare(tc.a, tc.b); got != tc.want {
			t.Errorf("naturalCompare(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	if streetOf("12A Armada Way") != "Armada Way" || streetOf("Flat 1, 2 Notte Street") != "Flat 1, 2 Notte Street" || streetOf("12") != "" {
		t.Error("streetOf")
	}
}

// FuzzAddressOrder: the order of addresses is a total order whatever the
// first lines hold (reflexive, antisymmetric, transitive), so sorting is
// stable and deterministic for any gazetteer's data; and it never panics.
func FuzzAddressOrder(f *testing.F) {
	for _, seed := range [][3]string{
		{"2 Armada Way", "10 Armada Way", "10a armada way"},
		{"Flat 2, 10 Notte Street", "007 Notte Street", "7 Notte Street"},
		{"", " ", "0"},
		{"a1", "a!", "a"},
		{"99999999999999999999999 Road", "1e9 Road", "\xff1"},
		{"Ǆ 1", "ǅ 1", "ǆ 01"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		pa, pb, pc := Place{Address: Address{Line1: a}}, Place{Address: Address{Line1: b}}, Place{Address: Address{Line1: c}}
		if compareAddresses(pa, pa) != 0 {
			t.Fatalf("%q is not equal to itself", a)
		}
		ab, ba := compareAddresses(pa, pb), compareAddresses(pb, pa)
		if ab != -ba || (ab == 0) != (a == b) {
			t.Fatalf("compare(%q, %q) = %d but compare(%q, %q) = %d", a, b, ab, b, a, ba)
		}
		if bc := compareAddresses(pb, pc); ab <= 0 && bc <= 0 && compareAddresses(pa, pc) > 0 {
			t.Fatalf("%q <= %q <= %q, yet %q > %q", a, b, c, a, c)
		}
	})
}
