package cases

import (
	"errors"

	"frontdoor/api/internal/fields"
	"frontdoor/api/store"
)

// ErrNotFound is the store's own sentinel, so the HTTP layer's one error
// table maps it. A reference that is not the caller's is ErrNotFound too:
// never a hint that it exists.
var ErrNotFound = store.ErrNotFound

// Errors of this package's own; the HTTP layer maps each to a problem.
var (
	// ErrTransition: the workflow does not allow that move from the item's status (409).
	ErrTransition = errors.New("cases: transition not allowed")
	// ErrFinished: the case or item is closed or cancelled, so it takes no more of that (409).
	ErrFinished = errors.New("cases: case is finished")
	// ErrFeedbackGiven: the resident has rated this case already (409).
	ErrFeedbackGiven = errors.New("cases: feedback already given")
	// ErrNotYetClosed: feedback is asked only once every item is done (409).
	ErrNotYetClosed = errors.New("cases: case not closed yet")
	// ErrEscalation: the complaint cannot go to stage 2 now: not a complaint,
	// no stage-1 response yet, already escalated, or the window has passed (409).
	ErrEscalation = errors.New("cases: complaint cannot be escalated")
	// ErrTeamForbidden: a member of staff acted on a team that is not theirs (403).
	ErrTeamForbidden = errors.New("cases: not a team of yours")
	// ErrTooManyEvents: a case's timeline is full (409); a real case never gets there.
	ErrTooManyEvents = errors.New("cases: timeline full")
)

// ValidationError and FieldError are the shape every domain package reports
// bad input in (package fields), so one rule in the HTTP layer maps them.
type (
	ValidationError = fields.ValidationError
	FieldError      = fields.FieldError
)

// Message ids of this package (texts in locales/cases.*.toml), besides the
// catalogue's field messages.
const (
	MsgRequired        = "FieldRequired"
	MsgTooLong         = "FieldTooLong"
	MsgInvalidValue    = "FieldInvalidValue"
	MsgTooMany         = "TooManyItems"
	MsgNotAllowed      = "ValueNotAllowed"
	MsgEmailInvalid    = "EmailInvalid"
	MsgPhoneInvalid    = "PhoneInvalid"
	MsgPostcodeInvalid = "PostcodeInvalid"

	MsgServiceUnknown     = "CaseServiceUnknown"     // no such service, or retired
	MsgServiceNotOffered  = "CaseServiceNotOffered"  // not offered on this channel
	MsgContactRequired    = "CaseContactRequired"    // give an email or phone when not signed in
	MsgAnonymousRefused   = "CaseSignInRequired"     // this service needs an account
	MsgPhotoUnknown       = "CasePhotoUnknown"       // attachment id unknown, used or not yours
	MsgOutcomeRequired    = "CaseOutcomeRequired"    // resolving a complaint needs its outcome
	MsgTeamUnknown        = "CaseTeamUnknown"        // reassign to a team that does not exist
	MsgSameCase           = "CaseMergeSameCase"      // merge a case into itself
	MsgDuplicateService   = "CaseServiceRepeated"    // the same service twice in one case
	MsgReferenceMalformed = "CaseReferenceMalformed" // not a reference at all
)

// checker gathers field errors so one answer lists everything wrong.
type checker = fields.Checker
