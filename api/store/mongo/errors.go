package mongo

import (
	"errors"
	"fmt"
	"regexp"

	driver "go.mongodb.org/mongo-driver/v2/mongo"

	"frontdoor/api/store"
)

// translate turns a driver error into the contract's sentinels, keeping the
// driver's error in the chain (transactions look for its labels).
func translate(err error, op, coll string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, driver.ErrNoDocuments), errors.Is(err, driver.ErrFileNotFound):
		return fmt.Errorf("%w: %s %s: %w", store.ErrNotFound, op, coll, err)
	case driver.IsDuplicateKeyError(err):
		return duplicate(err, coll)
	case errors.As(err, new(driver.MarshalError)):
		// A value store.Encode let through that BSON cannot hold (a map key with a NUL byte).
		return fmt.Errorf("%w: %s %s: %w", store.ErrInvalid, op, coll, err)
	}
	return fmt.Errorf("mongo: %s %s: %w", op, coll, err)
}

// quietError is in the chain of both its sentinel and its cause, but its text
// leaves out the server's message, which quotes the clashing values (an email
// address, say) that must not reach a log.
type quietError struct {
	msg    string
	causes []error
}

func (e *quietError) Error() string   { return e.msg }
func (e *quietError) Unwrap() []error { return e.causes }

var duplicateIndex = regexp.MustCompile(`index: ([A-Za-z0-9_.$-]+)`)

func duplicate(err error, coll string) error {
	msg := store.ErrDuplicate.Error() + " in " + coll
	if m := duplicateIndex.FindStringSubmatch(err.Error()); m != nil {
		msg += " (index " + m[1] + ")"
	}
	return &quietError{msg: msg, causes: []error{store.ErrDuplicate, err}}
}
