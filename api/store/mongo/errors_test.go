package mongo

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"

	"frontdoor/api/store"
)

const dupMessage = `E11000 duplicate key error collection: fd.accounts index: by_email dup key: { email: "rhiannon@example.org" }`

func TestTranslateDuplicates(t *testing.T) {
	for name, err := range map[string]error{
		"write exception": driver.WriteException{WriteErrors: driver.WriteErrors{{Code: 11000, Message: dupMessage}}},
		"command error":   driver.CommandError{Code: 11000, Message: dupMessage, Name: "DuplicateKey"},
		"bulk write":      driver.BulkWriteException{WriteErrors: []driver.BulkWriteError{{WriteError: driver.WriteError{Code: 11000, Message: dupMessage}}}},
	} {
		t.Run(name, func(t *testing.T) {
			got := translate(err, "insert", "accounts")
			if !errors.Is(got, store.ErrDuplicate) {
				t.Fatalf("%v is not ErrDuplicate", got)
			}
			if errors.Is(got, store.ErrNotFound) || errors.Is(got, store.ErrConflict) {
				t.Fatalf("%v matches another sentinel too", got)
			}
			if strings.Contains(got.Error(), "rhiannon") {
				t.Fatalf("message quotes the clashing value: %q", got)
			}
			if !strings.Contains(got.Error(), "accounts") || !strings.Contains(got.Error(), "by_email") {
				t.Errorf("message %q names neither collection nor index", got)
			}
			var se driver.ServerError
			if !errors.As(got, &se) {
				t.Error("the driver's error left the chain")
			}
		})
	}
}

func TestTranslateUnstorable(t *testing.T) {
	_, err := bson.Marshal(storedDoc("x", store.Doc{"labels": map[string]any{"a\x00b": "v"}}))
	if err == nil {
		t.Fatal("BSON took a key with a NUL byte")
	}
	got := translate(driver.MarshalError{Value: "doc", Err: err}, "insert", "cases")
	if !errors.Is(got, store.ErrInvalid) {
		t.Fatalf("%v is not ErrInvalid", got)
	}
}

func TestTranslateNotFound(t *testing.T) {
	for _, err := range []error{driver.ErrNoDocuments, driver.ErrFileNotFound} {
		got := translate(err, "get", "cases")
		if !errors.Is(got, store.ErrNotFound) || !errors.Is(got, err) {
			t.Errorf("translate(%v) = %v, want ErrNotFound wrapping it", err, got)
		}
	}
	if translate(nil, "get", "cases") != nil {
		t.Error("nil became an error")
	}
}

// A write conflict inside a transaction must keep its label through
// translate, or WithTransaction would not retry it.
func TestTranslateKeepsLabels(t *testing.T) {
	conflict := driver.CommandError{Code: 112, Name: "WriteConflict", Labels: []string{"TransientTransactionError"}}
	got := translate(conflict, "replace", "cases")
	var le driver.LabeledError
	if !errors.As(got, &le) || !le.HasErrorLabel("TransientTransactionError") {
		t.Fatalf("%v lost its TransientTransactionError label", got)
	}
	for _, s := range []error{store.ErrNotFound, store.ErrDuplicate, store.ErrConflict} {
		if errors.Is(got, s) {
			t.Fatalf("a write conflict became %v", s)
		}
	}
	if !errors.Is(translate(context.DeadlineExceeded, "get", "cases"), context.DeadlineExceeded) {
		t.Error("a deadline left the chain")
	}
}

func TestHasCode(t *testing.T) {
	conflict := driver.CommandError{Code: codeIndexKeySpecsConflict, Name: "IndexKeySpecsConflict"}
	if !hasCode(conflict, codeIndexOptionsConflict, codeIndexKeySpecsConflict) {
		t.Error("86 not found")
	}
	if hasCode(driver.CommandError{Code: 11000}, codeIndexOptionsConflict, codeIndexKeySpecsConflict) {
		t.Error("11000 taken for an index conflict")
	}
	if !hasCode(translate(driver.CommandError{Code: codeNamespaceExists}, "create", "x"), codeNamespaceExists) {
		t.Error("a wrapped 48 not found")
	}
	if hasCode(errors.New("48"), codeNamespaceExists) {
		t.Error("a plain error has a code")
	}
}
