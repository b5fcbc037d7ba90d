package mongo

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
)

// The URI may tune timeouts, but never weaken the guarantees the contract needs.
func TestClientOptions(t *testing.T) {
	o := clientOptions("mongodb://127.0.0.1:27017/?replicaSet=rs0&w=1&readConcernLevel=local&readPreference=secondary&retryWrites=false&connectTimeoutMS=3000")
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	if o.WriteConcern == nil || o.WriteConcern.W != "majority" {
		t.Errorf("write concern %+v, want majority", o.WriteConcern)
	}
	if o.ReadConcern == nil || o.ReadConcern.Level != "majority" {
		t.Errorf("read concern %+v, want majority", o.ReadConcern)
	}
	if o.ReadPreference == nil || o.ReadPreference.Mode() != readpref.PrimaryMode {
		t.Errorf("read preference %v, want primary", o.ReadPreference)
	}
	if o.RetryWrites == nil || !*o.RetryWrites {
		t.Error("retryable writes switched off")
	}
	if o.ConnectTimeout == nil || *o.ConnectTimeout != 3*time.Second {
		t.Errorf("connect timeout %v, want the URI's 3s", o.ConnectTimeout)
	}
	if o.ServerSelectionTimeout == nil || *o.ServerSelectionTimeout != serverSelectionTimeout {
		t.Errorf("server selection timeout %v, want our default", o.ServerSelectionTimeout)
	}
	if o.ReplicaSet == nil || *o.ReplicaSet != "rs0" {
		t.Errorf("replica set %v, want the URI's", o.ReplicaSet)
	}
}

func TestRedact(t *testing.T) {
	uri := "mongodb://frontdoor:s3cr%40t@127.0.0.1:27017/?replicaSet=rs0"
	msg := `error parsing uri: parse "mongodb://frontdoor:s3cr%40t@127.0.0.1:27017/": password s3cr@t`
	got := redact(msg, uri)
	for _, secret := range []string{"s3cr", "frontdoor:"} {
		if strings.Contains(got, secret) {
			t.Errorf("%q still holds %q", got, secret)
		}
	}
	if !strings.Contains(got, "127.0.0.1:27017") {
		t.Errorf("%q lost the host", got)
	}
	if got := redact("no secrets", "mongodb://127.0.0.1"); got != "no secrets" {
		t.Errorf("changed a URI without user info: %q", got)
	}
}

func TestOpenFailsClearly(t *testing.T) {
	if _, err := Open(context.Background(), Options{}); err == nil {
		t.Error("Open without a URI: no error")
	}
	_, err := Open(context.Background(), Options{URI: "mongodb://admin:hunter2@127.0.0.1:27017/?w=banana&connectTimeoutMS=x"})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("bad URI: got %v, want an error without the password", err)
	}
	// Nothing listens on port 1 of the loopback address.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err = Open(ctx, Options{URI: "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500&connectTimeoutMS=200"})
	if err == nil {
		t.Fatal("Open with no server: no error")
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("Open took %v to give up", time.Since(start))
	}
}
