package api

import (
	"slices"
	"strings"
	"testing"

	"frontdoor/api/catalogue"
)

// addressesJSON is the address lookup's answer.
type addressesJSON struct {
	Postcode string `json:"postcode"`
	Items    []struct {
		UPRN     string  `json:"uprn"`
		Line1    string  `json:"line1"`
		Town     string  `json:"town"`
		Postcode string  `json:"postcode"`
		Lat      float64 `json:"lat"`
		Lng      float64 `json:"lng"`
	} `json:"items"`
}

// TestFindAddresses: anyone finds the addresses at a postcode however they
// type it, in house-number order, each with its UPRN and place; a real
// postcode with none is an empty list; a missing or malformed one is a
// validation problem on /postcode in the reader's language.
func TestFindAddresses(t *testing.T) {
	e := newAcctEnvWith(t, acctOutbox, func(_ *acctEnv, d *Deps) { d.Gazetteer = catalogue.DemoGazetteer() })
	_, token := e.signUp(t, "ada@example.org", "Ada")
	pointer := func(p string) *string { return &p }
	pl12aa := func(t *testing.T, r *response) {
		got := mustJSON[addressesJSON](t, r, 200)
		var lines []string
		for _, a := range got.Items {
			lines = append(lines, a.Line1)
			if a.Postcode != "PL1 2AA" || a.Town != "Plymouth" || len(a.UPRN) != 12 || !catalogue.Plymouth.Contains(catalogue.Point{Lat: a.Lat, Lng: a.Lng}) {
				t.Errorf("address %+v", a)
			}
		}
		if got.Postcode != "PL1 2AA" || len(lines) < 5 || lines[0] != "1 Armada Way" ||
			slices.Index(lines, "2 Armada Way") > slices.Index(lines, "10 Armada Way") {
			t.Errorf("PL1 2AA: %q %v", got.Postcode, lines)
		}
		if first := got.Items[0]; first.UPRN != "100040412345" || first.Lat != 50.3712 || first.Lng != -4.1427 {
			t.Errorf("the first address %+v", first)
		}
	}
	e.run(t, []apiCase{
		{name: "standard form", method: "GET", path: "/api/v1/addresses?postcode=PL1%202AA", status: 200, check: pl12aa},
		{name: "as typed", method: "GET", path: "/api/v1/addresses?postcode=+pl12aa+", status: 200, check: pl12aa},
		{name: "signed in too", method: "GET", path: "/api/v1/addresses?postcode=PL1+2AA", token: token, status: 200, check: pl12aa},
		{name: "none there", method: "GET", path: "/api/v1/addresses?postcode=ex11aa", status: 200, check: func(t *testing.T, r *response) {
			if got := mustJSON[addressesJSON](t, r, 200); got.Postcode != "EX1 1AA" || got.Items == nil || len(got.Items) != 0 ||
				!strings.Contains(r.String(), `"items":[]`) {
				t.Errorf("no addresses: %s", r)
			}
		}},
		{name: "no postcode", method: "GET", path: "/api/v1/addresses", status: 400, slug: "validation", pointer: pointer("/postcode"),
			check: wantFieldMessage("/postcode", "Enter a postcode, such as PL1 2AA.")},
		{name: "empty postcode", method: "GET", path: "/api/v1/addresses?postcode=+", status: 400, slug: "validation", pointer: pointer("/postcode")},
		{name: "malformed", method: "GET", path: "/api/v1/addresses?postcode=PL1%202A", status: 400, slug: "validation", pointer: pointer("/postcode"),
			check: wantFieldMessage("/postcode", "Enter a real UK postcode, such as PL1 2AA.")},
		{name: "a street", method: "GET", path: "/api/v1/addresses?postcode=Armada%20Way", status: 400, slug: "validation", pointer: pointer("/postcode")},
		{name: "in Welsh", method: "GET", path: "/api/v1/addresses?postcode=nonsense&lang=cy", status: 400, slug: "validation",
			check: wantFieldMessage("/postcode", "Rhowch god post go iawn yn y DU, fel PL1 2AA.")},
		{name: "in Polish", method: "GET", path: "/api/v1/addresses?lang=pl", status: 400, slug: "validation",
			check: wantFieldMessage("/postcode", "Podaj kod pocztowy, np. PL1 2AA.")},
		{name: "in Arabic", method: "GET", path: "/api/v1/addresses?lang=ar", status: 400, slug: "validation",
			check: wantFieldMessage("/postcode", "أدخل رمزًا بريديًا، مثل PL1 2AA.")},
	})
}

// wantFieldMessage checks a validation problem's message for one field.
func wantFieldMessage(pointer, want string) func(t *testing.T, r *response) {
	return func(t *testing.T, r *response) {
		t.Helper()
		if r.problem == nil || !slices.ContainsFunc(r.problem.Errors, func(f problemField) bool { return f.Pointer == pointer && f.Detail == want }) {
			t.Errorf("want %q on %s: %s", want, pointer, r)
		}
	}
}

// TestFindAddressesWithoutGazetteer: a server built without a gazetteer
// has no address lookup, like any other optional part.
func TestFindAddressesWithoutGazetteer(t *testing.T) {
	e := newCasesEnv(t)
	mustProblem(t, e.call(t, "GET", "/api/v1/addresses?postcode=PL1%202AA", "", ""), 404, "not-found")
}
