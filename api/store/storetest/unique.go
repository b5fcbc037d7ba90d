package storetest

import (
	"testing"

	"frontdoor/api/store"
)

var uniqueTests = []test{
	{"Clash", testUniqueClash},
	{"LackingField", testUniqueLackingField},
	{"Replace", testUniqueReplace},
	{"Compound", testUniqueCompound},
}

var accountsSpec = store.CollectionSpec{Name: "accounts", Indexes: []store.IndexSpec{
	{Name: "by_email", Fields: []string{"email"}, Unique: true},
}}

var teamRefSpec = store.CollectionSpec{Name: "linked", Indexes: []store.IndexSpec{
	{Name: "by_team_ref", Fields: []string{"team", "ref"}, Unique: true},
}}

func testUniqueClash(t *testing.T, h Harness) {
	accounts := mustOpen[person](t, h.openDB(t), accountsSpec)
	first := &person{Email: "ann@example.org", Name: "first"}
	mustInsert(t, accounts, first)
	clash := &person{Email: "ann@example.org", Name: "clash"}
	wantErr(t, "Insert with a taken email", accounts.Insert(t.Context(), clash), store.ErrDuplicate)
	if clash.ID != "" {
		mustBeGone(t, accounts, clash.ID, "the clashing document")
	}
	mustCount(t, accounts, 1)
	mustCount(t, accounts, 1, store.Eq("email", "ann@example.org"))
	if got := mustGet(t, accounts, first.ID); got.Name != "first" || got.Version != 1 {
		t.Errorf("the first holder changed: %q version %d", got.Name, got.Version)
	}
	// Values are compared exactly: other case, other document.
	mustInsert(t, accounts, &person{Email: "Ann@example.org"})
	mustCount(t, accounts, 2)
	// Deleting the holder frees the value.
	if err := accounts.Delete(t.Context(), first.ID); err != nil {
		t.Fatal(err)
	}
	mustInsert(t, accounts, &person{Email: "ann@example.org", Name: "successor"})
	mustCount(t, accounts, 1, store.Eq("email", "ann@example.org"))
}

// testUniqueLackingField: a unique index constrains only documents that have its field.
func testUniqueLackingField(t *testing.T, h Harness) {
	accounts := mustOpen[person](t, h.openDB(t), accountsSpec)
	for range 3 {
		mustInsert(t, accounts, &person{Name: "no email"})
	}
	mustInsert(t, accounts, &person{Email: "x@example.org"})
	mustCount(t, accounts, 4)
	mustCount(t, accounts, 1, store.Exists("email"))
}

func testUniqueReplace(t *testing.T, h Harness) {
	accounts := mustOpen[person](t, h.openDB(t), accountsSpec)
	a := &person{Email: "a@example.org", Name: "a"}
	b := &person{Email: "b@example.org", Name: "b"}
	mustInsert(t, accounts, a, b)
	b.Email, b.Name = "a@example.org", "b taking a's email"
	wantErr(t, "Replace onto a taken email", accounts.Replace(t.Context(), b), store.ErrDuplicate)
	if b.Version != 1 {
		t.Errorf("failed Replace left version %d in memory, want 1", b.Version)
	}
	if got := mustGet(t, accounts, b.ID); got.Email != "b@example.org" || got.Version != 1 {
		t.Errorf("after the clash b holds %q version %d; want it unchanged", got.Email, got.Version)
	}
	// Moving a to a new value frees the old one for b.
	a.Email = "a2@example.org"
	if err := accounts.Replace(t.Context(), a); err != nil {
		t.Fatalf("Replace a to a new email: %v", err)
	}
	b.Email = "a@example.org"
	if err := accounts.Replace(t.Context(), b); err != nil {
		t.Fatalf("Replace b onto the freed email: %v", err)
	}
	// Keeping one's own value is no clash.
	b.Name = "b again"
	if err := accounts.Replace(t.Context(), b); err != nil {
		t.Fatalf("Replace keeping the same email: %v", err)
	}
	// Dropping the field leaves the index.
	a.Email = ""
	if err := accounts.Replace(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	mustInsert(t, accounts, &person{Email: "a2@example.org"})
	mustCount(t, accounts, 2, store.Exists("email"))
}

func testUniqueCompound(t *testing.T, h Harness) {
	linked := mustOpen[person](t, h.openDB(t), teamRefSpec)
	for _, p := range []*person{
		{Team: "tax", Ref: "R1"}, {Team: "tax", Ref: "R2"}, {Team: "waste", Ref: "R1"},
		{Team: "tax"}, {Team: "tax"}, {Ref: "R1"}, {Ref: "R1"}, // lacking a field: not constrained
	} {
		mustInsert(t, linked, p)
	}
	clash := &person{Team: "tax", Ref: "R1", Name: "clash"}
	wantErr(t, "Insert a taken (team, ref)", linked.Insert(t.Context(), clash), store.ErrDuplicate)
	mustCount(t, linked, 7)
	mustCount(t, linked, 1, store.Eq("team", "tax"), store.Eq("ref", "R1"))
}
