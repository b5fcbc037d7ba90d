package catalogue

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
// layer's one error table already maps them (404, 409).
var (
	ErrNotFound = store.ErrNotFound
	ErrConflict = store.ErrConflict
)

// ErrStale: a service was saved with the version of an older copy (its
// "version" field, when given): someone else changed it since (409).
var ErrStale = errors.New("catalogue: service changed since it was read")

// ConflictError says a value is already held elsewhere: a team key (409).
type ConflictError struct {
	Pointer string
	ID      string
}

func (e *ConflictError) Error() string { return "catalogue: conflict: " + e.Pointer + " " + e.ID }

// Is lets the HTTP layer's store.ErrDuplicate row cover it.
func (e *ConflictError) Is(target error) bool { return target == store.ErrDuplicate }

// Field says which field holds the clashing value, and the message id.
func (e *ConflictError) Field() (pointer, id string) { return e.Pointer, e.ID }

// Message ids. The first group exists in locales already (en.toml,
// auth.en.toml, accounts.en.toml); the second is catalogue.<lang>.toml's.
const (
	MsgRequired        = "FieldRequired"         // This field is required.
	MsgTooLong         = "FieldTooLong"          // Use at most {{.Count}} characters.
	MsgInvalidValue    = "FieldInvalidValue"     // This value is not in the expected format.
	MsgOutOfRange      = "FieldOutOfRange"       // This number is out of range.
	MsgFieldUnknown    = "FieldUnknown"          // This field is not recognised.
	MsgTextInvalid     = "TextInvalidCharacters" // control or invisible characters
	MsgTooMany         = "TooManyItems"          // at most {{.Count}} entries
	MsgNotAllowed      = "ValueNotAllowed"       // This value is not allowed here.
	MsgDuplicate       = "DuplicateValue"        // in the list more than once
	MsgPostcodeInvalid = "PostcodeInvalid"
	MsgDateInvalid     = "DateInvalid"
	MsgDateOutOfRange  = "DateOutOfRange"
	MsgUPRNInvalid     = "UPRNInvalid"
	MsgLanguageUnknown = "LanguageUnsupported" // a Text key other than en, cy, pl, ar
	MsgTeamInvalid     = "TeamInvalid"         // a team key of the wrong shape
	MsgEmailInvalid    = "EmailInvalid"

	MsgPointOutside    = "PointOutsideArea"    // the place is outside the council's area
	MsgNumberRange     = "NumberOutOfRange"    // from {{.Min}} to {{.Max}}
	MsgNumberTooSmall  = "NumberTooSmall"      // at least {{.Min}}
	MsgNumberTooLarge  = "NumberTooLarge"      // at most {{.Max}}
	MsgQuestionUnknown = "QuestionUnknown"     // not a question of this service's form
	MsgServiceUnknown  = "ServiceUnknown"      // no service with this code
	MsgTeamUnknown     = "TeamUnknown"         // no team with this key
	MsgTeamKeyInUse    = "TeamKeyInUse"        // another team has this key
	MsgCodeInvalid     = "ServiceCodeInvalid"  // a service code of the wrong shape
	MsgKeyInvalid      = "CatalogueKeyInvalid" // a group, question id or option value of the wrong shape
	MsgShowIfInvalid   = "ShowIfInvalid"       // the condition names no earlier choice or yes/no question
	MsgMinAboveMax     = "MinAboveMax"         // the smallest allowed number is above the largest

	MsgPostcodeRequired = "PostcodeRequired" // an address lookup without a postcode
)

// checker collects field errors so one answer lists every problem.
type checker struct{ fields.Checker }
