package open311

import "frontdoor/api/catalogue"

// Message ids (go-i18n, already in locales) for admin input, which the HTTP
// layer turns into problem+json. Open311 clients get Error objects instead.
const (
	MsgRequired     = "FieldRequired"     // This field is required.
	MsgTooLong      = "FieldTooLong"      // Use at most {{.Count}} characters.
	MsgInvalidValue = "FieldInvalidValue" // This value is not in the expected format.
)

// FieldError and ValidationError are the catalogue's (an admin's input is
// checked the same way there), so the HTTP layer maps both with one rule.
type (
	FieldError      = catalogue.FieldError
	ValidationError = catalogue.ValidationError
)
