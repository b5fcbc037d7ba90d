// Package open311 maps the catalogue and cases onto Open311 GeoReport v2
// (http://wiki.open311.org/GeoReport_v2), so that FixMyStreet and other
// reporting apps can list our services and send reports straight in.
//
// It knows the specification's field names, status values, datatypes and
// error format, parses what clients send (form-encoded POST bodies, query
// strings), writes the specification's XML and JSON documents, and keeps
// the API keys admins issue to clients. It has no HTTP handlers: the api
// package serves these documents.
package open311

import (
	"fmt"
	"regexp"
	"time"
	_ "time/tzdata" // Europe/London must load on hosts without a zoneinfo database

	"frontdoor/api/catalogue"
)

// Limits on what a client may send. The specification fixes 4,000
// characters for description; the rest are ours.
const (
	MaxDescription     = 4000 // characters
	MaxField           = 200  // characters, every other single-line field
	MaxMediaURL        = 2048 // bytes; URLs outgrow MaxField (signed storage links)
	MaxAttributes      = 50   // distinct attribute codes in one request
	MaxAttributeValues = 50   // values for one attribute code
	MaxAttributeValue  = 4000 // characters in one attribute value
	MaxIDs             = 50   // service_request_id values in one query
	MaxServiceCodes    = 50   // service_code values in one query
	MaxRequests        = 1000 // the specification's default response volume
	MaxErrors          = 20   // errors reported for one request; the rest are dropped
	Window             = 90 * 24 * time.Hour
)

// The specification's constant values.
const (
	StatusOpen    = "open"   // it has been reported
	StatusClosed  = "closed" // it has been resolved
	TypeRealtime  = "realtime"
	Specification = "http://wiki.open311.org/GeoReport_v2"
)

// Error is one error object of the specification: a code (the HTTP status
// in most cases) and a description meant for the user. Descriptions are
// English, like the specification's own, and never repeat a client's value
// (it may be personal data or hostile); Field names the parameter at fault
// and is not part of the document.
type Error struct {
	Code        int
	Description string
	Field       string
}

func (e Error) Error() string { return fmt.Sprintf("open311: %d %s", e.Code, e.Description) }

// errList gathers errors so one answer lists everything wrong, up to MaxErrors.
type errList []Error

func (l *errList) add(field, format string, args ...any) {
	if len(*l) < MaxErrors {
		*l = append(*l, Error{Code: 400, Field: field, Description: field + ": " + fmt.Sprintf(format, args...)})
	}
}

// Offered says whether a service is listed on Open311: offered on the
// open311 channel and not retired.
func Offered(svc *catalogue.Service) bool {
	if svc == nil || svc.Retired {
		return false
	}
	for _, c := range svc.Channels {
		if c == catalogue.ChannelOpen311 {
			return true
		}
	}
	return false
}

// StatusFor maps a case item's status (cases.Status, as a string, so this
// package need not import cases) to the specification's two: resolved,
// closed and cancelled items are closed; everything else is still open.
func StatusFor(status string) string {
	switch status {
	case "resolved", "closed", "cancelled":
		return StatusClosed
	}
	return StatusOpen
}

// idPattern bounds service codes, attribute codes and request ids a client
// names: our own are narrower, so anything else cannot match one anyway.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ValidID says whether s can be a service_request_id (for a path parameter).
func ValidID(s string) bool { return idPattern.MatchString(s) }

// london is the council's clock: times go out with its UTC offset.
var london = mustLocation("Europe/London")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // time/tzdata is linked in, so this cannot happen
	}
	return loc
}

// w3Layout is the W3C datetime profile with seconds and a numeric offset
// (never "Z"), as in the specification's examples: 2010-04-14T06:37:38-08:00.
const w3Layout = "2006-01-02T15:04:05-07:00"

// FormatTime writes t as the specification's datetimes: London time with
// its offset, to the second. The zero time is "".
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(london).Format(w3Layout)
}
