package storetest

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"frontdoor/api/store"
)

var documentTests = []test{
	{"RoundTrip", testRoundTrip},
	{"GeneratedIDs", testGeneratedIDs},
	{"ChosenID", testChosenID},
	{"GetMissing", testGetMissing},
	{"InsertDuplicateID", testInsertDuplicateID},
	{"Versions", testVersions},
	{"StaleReplace", testStaleReplace},
	{"ReplaceMissing", testReplaceMissing},
	{"Update", testUpdate},
	{"Delete", testDelete},
	{"RefusesInvalid", testRefusesInvalid},
}

// person holds every kind of value a document may: the round trip must give
// it back exactly, times in UTC at millisecond precision.
type person struct {
	store.Meta
	audit                     // embedded: its fields are the document's own
	Name     string           `json:"name"`
	Email    string           `json:"email,omitempty"`
	Nickname string           `json:"nickname,omitempty"`
	Age      int              `json:"age"`
	Big      int64            `json:"big"`
	Neg      int64            `json:"neg"`
	Odd      int64            `json:"odd"` // not representable as a float64
	U32      uint32           `json:"u32"`
	Tiny     int8             `json:"tiny"`
	Score    float64          `json:"score"`
	Floats   []float64        `json:"floats"`
	Ratio    float32          `json:"ratio"`
	Active   bool             `json:"active"`
	Retired  bool             `json:"retired"`
	Tags     []string         `json:"tags"`
	NoTags   []string         `json:"no_tags"`
	Counts   map[string]int   `json:"counts"`
	Home     address          `json:"home"`
	Previous []address        `json:"previous"`
	Manager  *contact         `json:"manager,omitempty"`
	Deputy   *contact         `json:"deputy,omitempty"`
	Born     time.Time        `json:"born"`
	Due      *time.Time       `json:"due,omitempty"`
	Never    *time.Time       `json:"never,omitempty"`
	Extra    map[string]any   `json:"extra"`
	Secret   string           `json:"-"`
	Photo    []byte           `json:"photo"`
	Grid     [][]int          `json:"grid"`
	Note     string           `json:"note"`
	Team     string           `json:"team,omitempty"`
	Ref      string           `json:"ref,omitempty"`
	Links    map[string]*link `json:"links,omitempty"`
}

type audit struct {
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

type address struct {
	Lines    []string `json:"lines"`
	Postcode string   `json:"postcode,omitempty"`
	UPRN     int64    `json:"uprn,omitempty"`
}

type contact struct {
	Name  string `json:"name"`
	Phone string `json:"phone,omitempty"`
}

type link struct {
	Reference string    `json:"reference"`
	Since     time.Time `json:"since"`
}

var peopleSpec = store.CollectionSpec{Name: "people"}

func richPerson() *person {
	bst := time.FixedZone("BST", 3600)
	est := time.FixedZone("EST", -5*3600)
	due := time.Date(2025, 12, 31, 19, 30, 0, 999_999_999, est) // 2026-01-01T00:30:00.999Z
	return &person{
		audit: audit{CreatedBy: "staff:42", CreatedAt: time.Date(2025, 3, 30, 1, 30, 0, 123_456_789, bst)},
		Name:  "Siân O'Brien-Ŵyn \"Sunny\" مرحبا 😀", Email: "sian@example.org", Age: 42,
		Big: math.MaxInt64, Neg: math.MinInt64, Odd: 1<<53 + 1, U32: math.MaxUint32, Tiny: -128,
		Score:  0.1 + 0.2,
		Floats: []float64{1.0 / 3, 1e300, -5e-324, 0, -1.5, 123456789.123456789, 3},
		Ratio:  1.1, Active: true, Retired: false,
		Tags: []string{"b", "a", "b"}, NoTags: []string{},
		Counts:   map[string]int{"visits": 3, "zero": 0, "neg": -7},
		Home:     address{Lines: []string{"1 High St", "Cardiff"}, Postcode: "CF10 1AA", UPRN: 100023336956},
		Previous: []address{{Lines: []string{"2 Low Rd"}}, {Lines: []string{}, Postcode: "SW1A 1AA"}},
		Manager:  &contact{Name: "Ann"},
		Born:     time.Date(1969, 7, 20, 20, 17, 40, 500_000_000, bst),
		Due:      &due,
		Extra:    map[string]any{"s": "x", "n": 1.5, "i": float64(3), "b": false, "l": []any{"a", 2.5, true}, "m": map[string]any{"k": "v"}},
		Secret:   "never stored",
		Photo:    []byte{0, 1, 2, 250, 255},
		Grid:     [][]int{{1, 2}, {}, {-3}},
		Note:     "line 1\nline 2\t\\ \u0000 end",
		Links:    map[string]*link{"council-tax": {Reference: "CT-1", Since: time.Date(2001, 2, 3, 4, 5, 6, 7_000_000, est)}},
	}
}

// stored is what reading p back must give: times in UTC at millisecond
// precision, fields tagged "-" left out.
func stored(p person) person {
	p.CreatedAt, p.Born = ms(p.CreatedAt), ms(p.Born)
	if p.Due != nil {
		d := ms(*p.Due)
		p.Due = &d
	}
	links := map[string]*link{}
	for k, l := range p.Links {
		links[k] = &link{Reference: l.Reference, Since: ms(l.Since)}
	}
	if len(links) > 0 {
		p.Links = links
	}
	p.Secret = ""
	return p
}

func samePerson(t *testing.T, what string, got, want *person) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func testRoundTrip(t *testing.T, h Harness) {
	db := h.openDB(t)
	people := mustOpen[person](t, db, peopleSpec)
	p := richPerson()
	mustInsert(t, people, p)
	if p.ID == "" || p.Version != 1 {
		t.Fatalf("after Insert: id %q version %d; want an id and version 1", p.ID, p.Version)
	}
	want := stored(*p)
	got := mustGet(t, people, p.ID)
	samePerson(t, "Get", got, &want)
	for name, tm := range map[string]time.Time{"created_at": got.CreatedAt, "born": got.Born, "due": *got.Due} {
		if tm.Location() != time.UTC {
			t.Errorf("%s came back in %v, want UTC", name, tm.Location())
		}
	}
	found, err := people.FindOne(t.Context(), store.Eq(store.IDField, p.ID))
	if err != nil {
		t.Fatalf("FindOne by id: %v", err)
	}
	samePerson(t, "FindOne", found, &want)
	page, err := people.Find(t.Context(), store.Query{})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("Find all: %d items, %v; want 1", len(page.Items), err)
	}
	samePerson(t, "Find", &page.Items[0], &want)
}

func testGeneratedIDs(t *testing.T, h Harness) {
	people := mustOpen[person](t, h.openDB(t), peopleSpec)
	seen := map[string]bool{}
	for i := range 20 {
		p := &person{Name: "p", Age: i}
		mustInsert(t, people, p)
		if p.ID == "" || seen[p.ID] {
			t.Fatalf("insert %d got id %q; want a new one", i, p.ID)
		}
		seen[p.ID] = true
		if got := mustGet(t, people, p.ID); got.Age != i {
			t.Errorf("id %s holds age %d, want %d", p.ID, got.Age, i)
		}
	}
	mustCount(t, people, 20)
}

func testChosenID(t *testing.T, h Harness) {
	people := mustOpen[person](t, h.openDB(t), peopleSpec)
	ids := []string{"FD-2025/00001", "ü ñ 😀", "a.b.c", "$dollar", "with space", "UPPER", "upper"}
	for _, id := range ids {
		mustInsert(t, people, &person{Meta: store.Meta{ID: id}, Name: id})
	}
	for _, id := range ids {
		if got := mustGet(t, people, id); got.ID != id || got.Name != id || got.Version != 1 {
			t.Errorf("Get(%q) = id %q name %q version %d", id, got.ID, got.Name, got.Version)
		}
	}
	mustCount(t, people, int64(len(ids)))
}

func testGetMissing(t *testing.T, h Harness) {
	people := mustOpen[person](t, h.openDB(t), peopleSpec)
	mustBeGone(t, people, "nobody", "empty collection")
	mustInsert(t, people, &person{Meta: store.Meta{ID: "somebody"}})
	mustBeGone(t, people, "nobody", "other id")
	mustBeGone(t, people, "SOMEBODY", "ids are case-sensitive")
	mustBeGone(t, people, "", "empty id")
	_, err := people.FindOne(t.Context(), store.Eq(store.IDField, "nobody"))
	wantErr(t, "FindOne missing", err, store.ErrNotFound)
}

func testInsertDuplicateID(t *testing.T, h Harness) {
	people := mustOpen[person](t, h.openDB(t), peopleSpec)
	mustInsert(t, people, &person{Meta: store.Meta{ID: "p1"}, Name: "first"})
	again := &person{Meta: store.Meta{ID: "p1"}, Name: "second"}
	wantErr(t, "Insert same id", people.Insert(t.Context(), again), store.ErrDuplicate)
	if again.Version != 0 {
		t.Errorf("failed Insert left version %d on the document, want 0", again.Version)
	}
	if got := mustGet(t, people, "p1"); got.Name != "first" || got.Version != 1 {
		t.Errorf("after duplicate insert: name %q version %d; want the first, version 1", got.Name, got.Version)
	}
	mustCount(t, people, 1)
}

func testVersions(t *testing.T, h Harness) {
	people := mustOpen[person](t, h.openDB(t), peopleSpec)
	p := &person{Name: "v"}
	mustInsert(t, people, p)
	for want := int64(2); want <= 4; want++ {
		p.Age = int(want)
		if err := people.Replace(t.Context(), p); err != nil {
			t.Fatalf("Replace to version %d: %v", want, err)
		}
		if p.Version != want {
			t.Errorf("in memory: version %d, want %d", p.Version, want)
		}
		if got := mustGet(t, people, p.ID); got.Version != want || got.Age != int(want) {
			t.Errorf("stored: version %d age %d; want %d and %d", got.Version, got.Age, want, want)
		}
	}
	mustCount(t, people, 1)
}

func testStaleReplace(t *testing.T, h Harness) {
	people := mustOpen[person](t, h.openDB(t), peopleSpec)
	p := &person{Name: "original"}
	mustInsert(t, people, p)
	a, b := mustGet(t, people, p.ID), mustGet(t, people, p.ID)
	a.Name = "first writer"
	if err := people.Replace(t.Context(), a); err != nil {
		t.Fatalf("first Replace: %v", err)
	}
	b.Name = "second writer"
	wantErr(t, "Replace from a stale read", people.Replace(t.Context(), b), store.ErrConflict)
	if b.Version != 1 {
		t.Errorf("failed Replace left version %d in memory, want 1", b.Version)
	}
	if got := mustGet(t, people, p.ID); got.Name != "first writer" || got.Version != 2 {
		t.Errorf("after conflict: name %q version %d; want the first writer's, version 2", got.Name, got.Version)
	}
	ahead := mustGet(t, people, p.ID)
	ahead.Version = 7
	wantErr(t, "Replace with a version from the future", people.Replace(t.Context(), ahead), store.ErrConflict)
}

func testReplaceMissing(t *testing.T, h Harness) {
	people := mustOpen[person](t, h.openDB(t), peopleSpec)
	ghost := &person{Meta: store.Meta{ID: "ghost", Version: 1}, Name: "ghost"}
	wantErr(t, "Replace never inserted", people.Replace(t.Context(), ghost), store.ErrNotFound)
	mustBeGone(t, people, "ghost", "Replace must not create")
	p := &person{Name: "gone soon"}
	mustInsert(t, people, p)
	if err := people.Delete(t.Context(), p.ID); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "Replace deleted", people.Replace(t.Context(), p), store.ErrNotFound)
	mustBeGone(t, people, p.ID, "Replace must not bring back")
	mustCount(t, people, 0)
}

func testUpdate(t *testing.T, h Harness) {
	people := mustOpen[person](t, h.openDB(t), peopleSpec)
	p := &person{Name: "counter"}
	mustInsert(t, people, p)
	got, err := people.Update(t.Context(), p.ID, func(p *person) error { p.Age += 5; return nil })
	if err != nil || got.Age != 5 || got.Version != 2 {
		t.Fatalf("Update = %+v, %v; want age 5 version 2", got, err)
	}
	refuse := errors.New("refused")
	_, err = people.Update(t.Context(), p.ID, func(p *person) error { p.Age = 99; return refuse })
	wantErr(t, "Update whose fn fails", err, refuse)
	if got := mustGet(t, people, p.ID); got.Age != 5 || got.Version != 2 {
		t.Errorf("after failed Update: age %d version %d; want 5 and 2", got.Age, got.Version)
	}
	_, err = people.Update(t.Context(), "nobody", func(p *person) error { return nil })
	wantErr(t, "Update missing", err, store.ErrNotFound)
}

func testDelete(t *testing.T, h Harness) {
	people := mustOpen[person](t, h.openDB(t), peopleSpec)
	a, b := &person{Meta: store.Meta{ID: "a"}}, &person{Meta: store.Meta{ID: "b"}}
	mustInsert(t, people, a, b)
	if err := people.Delete(t.Context(), "a"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	mustBeGone(t, people, "a", "deleted")
	mustGet(t, people, "b")
	wantErr(t, "Delete twice", people.Delete(t.Context(), "a"), store.ErrNotFound)
	wantErr(t, "Delete missing", people.Delete(t.Context(), "never"), store.ErrNotFound)
	mustCount(t, people, 1)
	again := &person{Meta: store.Meta{ID: "a"}, Name: "new life"}
	mustInsert(t, people, again)
	if got := mustGet(t, people, "a"); got.Name != "new life" || got.Version != 1 {
		t.Errorf("re-inserted after delete: name %q version %d; want new life, 1", got.Name, got.Version)
	}
}

// testRefusesInvalid: values JSON cannot hold are refused before anything is written.
func testRefusesInvalid(t *testing.T, h Harness) {
	people := mustOpen[person](t, h.openDB(t), peopleSpec)
	nan := &person{Meta: store.Meta{ID: "nan"}, Score: math.NaN()}
	wantErr(t, "Insert NaN", people.Insert(t.Context(), nan), store.ErrInvalid)
	year := &person{Meta: store.Meta{ID: "y"}, Born: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	wantErr(t, "Insert year 10000", people.Insert(t.Context(), year), store.ErrInvalid)
	mustCount(t, people, 0)
	ok := &person{Meta: store.Meta{ID: "ok"}, Name: "kept"}
	mustInsert(t, people, ok)
	ok.Score = math.Inf(1)
	wantErr(t, "Replace with +Inf", people.Replace(t.Context(), ok), store.ErrInvalid)
	if ok.Version != 1 {
		t.Errorf("refused Replace left version %d in memory, want 1", ok.Version)
	}
	if got := mustGet(t, people, "ok"); got.Version != 1 || got.Score != 0 {
		t.Errorf("after refused Replace: version %d score %v; want 1 and 0", got.Version, got.Score)
	}
}
