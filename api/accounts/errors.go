package accounts

import (
	"errors"

	"frontdoor/api/internal/fields"
	"frontdoor/api/store"
)

// FieldError and ValidationError are the shape every domain package
// reports bad input in (package fields), so the HTTP layer maps them all
// with one rule.
type (
	FieldError      = fields.FieldError
	ValidationError = fields.ValidationError
)

// ErrNotFound and ErrConflict are the store's own sentinels, so the HTTP
// layer's one error table already maps them (404, 409). A resident asking
// for something that is not theirs gets ErrNotFound too: never a hint that
// it exists.
var (
	ErrNotFound = store.ErrNotFound
	ErrConflict = store.ErrConflict
)

// Errors of this package's own.
var (
	// ErrBadResidentID: the resident id (a token subject) is empty or not
	// printable text. It never comes from a request body, so it is a
	// programming error upstream; the HTTP layer treats it as a 500.
	ErrBadResidentID = errors.New("accounts: invalid resident id")
	// ErrNotFailed: staff asked to retry a delivery that has not failed (409).
	ErrNotFailed = errors.New("accounts: delivery has not failed")
)

// ConflictError says a value is already held elsewhere: a verified email
// or phone on another customer record, a service already linked (409).
type ConflictError struct {
	Pointer string
	ID      string
}

func (e *ConflictError) Error() string { return "accounts: conflict: " + e.Pointer + " " + e.ID }

// Is lets the HTTP layer's store.ErrDuplicate row cover it.
func (e *ConflictError) Is(target error) bool { return target == store.ErrDuplicate }

// Field says which field holds the clashing value, and the message id.
func (e *ConflictError) Field() (pointer, id string) { return e.Pointer, e.ID }

// Message ids. The first three exist in locales already; the rest are
// new and listed, with their English text, in the change's report.
const (
	MsgRequired     = "FieldRequired"     // This field is required.
	MsgTooLong      = "FieldTooLong"      // Use at most {{.Count}} characters.
	MsgInvalidValue = "FieldInvalidValue" // This value is not in the expected format.

	MsgTextInvalid        = "TextInvalidCharacters"
	MsgTooMany            = "TooManyItems"
	MsgNotAllowed         = "ValueNotAllowed"
	MsgDuplicate          = "DuplicateValue"
	MsgPostcodeInvalid    = "PostcodeInvalid"
	MsgPhoneInvalid       = "PhoneInvalid"
	MsgEmailInvalid       = "EmailInvalid"
	MsgDateInvalid        = "DateInvalid"
	MsgDateOutOfRange     = "DateOutOfRange"
	MsgDatesOrder         = "DatesOutOfOrder"
	MsgUPRNInvalid        = "UPRNInvalid"
	MsgLanguageUnknown    = "LanguageUnsupported"
	MsgInterpreterInvalid = "InterpreterLanguageInvalid"
	MsgOneCurrentAddress  = "OneCurrentAddress"
	MsgOnePrimary         = "OnePrimaryContact"
	MsgNameRequired       = "NameRequired"
	MsgExpiryInvalid      = "ExpiryOutOfRange"
	MsgEmailInUse         = "EmailInUse"
	MsgPhoneInUse         = "PhoneInUse"
	MsgContactUnknown     = "ContactNotOnRecord"
	MsgRecordExists       = "CustomerRecordExists"

	MsgConnectorKeyInvalid = "ConnectorKeyInvalid"
	MsgConnectorKeyInUse   = "ConnectorKeyInUse"
	MsgURLInvalid          = "WebhookURLInvalid"
	MsgURLNotHTTPS         = "WebhookURLNotHTTPS"
	MsgPatternInvalid      = "ReferencePatternInvalid"
	MsgConnectorUnknown    = "ConnectorUnknown"
	MsgReferenceInvalid    = "ReferenceInvalid"
	MsgConsentRequired     = "ConsentRequired"
	MsgLinkExists          = "ServiceAlreadyLinked"
	MsgTooManyLinks        = "TooManyLinks"

	MsgStaffRequired     = "StaffActorRequired"
	MsgMoveBeforeCurrent = "MoveBeforeCurrentAddress"
	MsgStatusPending     = "ChangeServicePending"
	MsgStatusRetrying    = "ChangeServiceRetrying"
	MsgStatusDelivered   = "ChangeServiceDelivered"
	MsgStatusFailed      = "ChangeServiceFailed"
	MsgRecordDeceased    = "CustomerRecordDeceased"
	MsgNothingToChange   = "ChangeValuesRequired"
)

// checker collects field errors so one answer lists every problem.
type checker struct{ fields.Checker }

func (c *checker) ok() bool { return len(c.Fields) == 0 }

func invalid(ptr, id string) error {
	return &ValidationError{Fields: []FieldError{{Pointer: ptr, ID: id}}}
}
