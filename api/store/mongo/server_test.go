package mongo

// Checks of what this engine leaves in MongoDB that the contract suite cannot
// see; like the suite, they need FRONTDOOR_TEST_MONGODB_URI.

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"frontdoor/api/store"
)

type listedIndex struct {
	Name    string `bson:"name"`
	Key     bson.D `bson:"key"`
	Unique  bool   `bson:"unique"`
	Partial bson.D `bson:"partialFilterExpression"`
	TTL     *int32 `bson:"expireAfterSeconds"`
}

func listIndexes(t *testing.T, e *Engine, coll string) map[string]listedIndex {
	t.Helper()
	ctx := context.Background()
	cur, err := e.db.Collection(coll).Indexes().List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var all []listedIndex
	if err := cur.All(ctx, &all); err != nil {
		t.Fatal(err)
	}
	out := map[string]listedIndex{}
	for _, ix := range all {
		out[ix.Name] = ix
	}
	return out
}

func TestIndexesOnServer(t *testing.T) {
	e := openTestEngine(t, testURI(t))
	defer e.Close()
	ctx := context.Background()
	spec := store.CollectionSpec{Name: "cases", Indexes: []store.IndexSpec{
		{Name: "by_status", Fields: []string{"status", "opened"}},
		{Name: "by_ref", Fields: []string{"reference"}, Unique: true},
		{Name: "expiry", Fields: []string{"expires"}, TTL: true, ExpireAfter: time.Hour},
	}}
	for range 2 { // idempotent
		if _, err := e.Collection(ctx, spec); err != nil {
			t.Fatal(err)
		}
	}
	got := listIndexes(t, e, "cases")
	if k := got["by_status"].Key; len(k) != 3 || k[2].Key != "_id" {
		t.Errorf("by_status keys %v, want status, opened, _id", k)
	}
	if ix := got["by_ref"]; !ix.Unique || len(ix.Partial) != 1 {
		t.Errorf("by_ref %+v, want unique and partial", ix)
	}
	if ix := got["expiry"]; ix.TTL == nil || *ix.TTL != 3600 {
		t.Errorf("expiry %+v, want expireAfterSeconds 3600", ix)
	}

	// A changed definition under the same name, and a renamed index.
	spec.Indexes[0] = store.IndexSpec{Name: "by_status", Fields: []string{"status"}, Unique: true}
	spec.Indexes[2] = store.IndexSpec{Name: "expires_at", Fields: []string{"expires"}, TTL: true, ExpireAfter: time.Hour}
	if _, err := e.Collection(ctx, spec); err != nil {
		t.Fatal(err)
	}
	got = listIndexes(t, e, "cases")
	if ix := got["by_status"]; !ix.Unique || len(ix.Key) != 1 {
		t.Errorf("by_status after the change %+v, want unique on status", ix)
	}
	if _, ok := got["expiry"]; ok {
		t.Error("the renamed TTL index is still there under its old name")
	}
	if _, ok := got["expires_at"]; !ok {
		t.Error("the renamed TTL index is missing")
	}
}

type ttlDoc struct {
	store.Meta
	Expires time.Time `json:"expires"`
}

func TestStoredShape(t *testing.T) {
	e := openTestEngine(t, testURI(t))
	defer e.Close()
	ctx := context.Background()
	db := store.New(e)
	c, err := store.Open[ttlDoc](ctx, db, store.CollectionSpec{Name: "sessions"})
	if err != nil {
		t.Fatal(err)
	}
	doc := &ttlDoc{Expires: time.Now()}
	if err := c.Insert(ctx, doc); err != nil {
		t.Fatal(err)
	}
	raw, err := e.db.Collection("sessions").FindOne(ctx, byID(doc.ID)).Raw()
	if err != nil {
		t.Fatal(err)
	}
	if v := raw.Lookup("_id"); v.Type != bson.TypeString || v.StringValue() != doc.ID {
		t.Errorf("_id %v, want the store id as a string", v)
	}
	if v := raw.Lookup("expires"); v.Type != bson.TypeDateTime {
		t.Errorf("expires stored as %v, want a BSON date", v.Type)
	}
}

func TestTooLargeBlobLeavesNothing(t *testing.T) {
	e := openTestEngine(t, testURI(t))
	defer e.Close()
	ctx := context.Background()
	// Over 16 MiB, so the upload stream has written chunks before the refusal.
	data := bytes.Repeat([]byte{7}, 17<<20)
	_, err := e.Blobs().Put(ctx, bytes.NewReader(data), store.PutOptions{MaxSize: 17<<20 - 1})
	if !errors.Is(err, store.ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
	for _, coll := range []string{bucketName + ".files", bucketName + ".chunks"} {
		n, err := e.db.Collection(coll).CountDocuments(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s holds %d documents after a refused blob", coll, n)
		}
	}
}
