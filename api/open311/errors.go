package open311

import "frontdoor/api/internal/fields"

// Message ids (go-i18n, already in locales) for admin input, which the HTTP
// layer turns into problem+json. Open311 clients get Error objects instead.
const (
	MsgRequired     = "FieldRequired"     // This field is required.
	MsgTooLong      = "FieldTooLong"      // Use at most {{.Count}} characters.
	MsgInvalidValue = "FieldInvalidValue" // This value is not in the expected format.
)

// FieldError and ValidationError are the shape every domain package reports
// bad input in (package fields), so the HTTP layer maps them with one rule.
type (
	FieldError      = fields.FieldError
	ValidationError = fields.ValidationError
)
