package mongo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"frontdoor/api/store"
	"frontdoor/api/store/storetest"
)

const uriVar = "FRONTDOOR_TEST_MONGODB_URI"

func testURI(t *testing.T) string {
	t.Helper()
	uri := os.Getenv(uriVar)
	if uri == "" {
		t.Skip("set " + uriVar + " to a replica set to run the contract suite on MongoDB")
	}
	return uri
}

func TestContract(t *testing.T) {
	uri := testURI(t)
	storetest.Run(t, storetest.Harness{
		Open:         func(t *testing.T) store.Engine { return openTestEngine(t, uri) },
		ExpiryWithin: 150 * time.Second,
	})
}

// openTestEngine opens an engine on a new database, dropped when the test ends.
func openTestEngine(t *testing.T, uri string) *Engine {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "frontdoor_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e, err := Open(ctx, Options{URI: uri, Database: name})
	if err != nil {
		t.Fatal(err)
	}
	// Dropped through a client of its own: the suite closes the engine first.
	t.Cleanup(func() { dropDatabase(t, uri, name) })
	return e
}

func dropDatabase(t *testing.T, uri, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := driver.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Errorf("drop %s: %v", name, err)
		return
	}
	defer func() { _ = client.Disconnect(ctx) }()
	if err := client.Database(name).Drop(ctx); err != nil {
		t.Errorf("drop %s: %v", name, err)
	}
}
