package open311

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Query is a GET requests query. With IDs, it asks for those requests and
// nothing else (the specification: service_request_id "overrides all other
// arguments"); otherwise for requests made from Start to End, both included,
// at most MaxRequests of them. An empty ServiceCodes means every service,
// and Status is "" (both), "open" or "closed".
type Query struct {
	IDs          []string
	ServiceCodes []string
	Start, End   time.Time
	Status       string
}

// ParseQuery reads a GET requests query string. service_request_id,
// service_code and status may be comma lists and may repeat; start_date and
// end_date are W3C datetimes with an offset, at most 90 days apart. With
// neither date the window is the 90 days up to now; with one, the other is
// 90 days from it. Parameters the specification does not name (such as
// jurisdiction_id) are ignored.
func ParseQuery(v url.Values, now time.Time) (Query, []Error) {
	var errs errList
	var q Query
	if q.IDs = listParam(v, "service_request_id", MaxIDs, &errs); len(q.IDs) > 0 || len(errs) > 0 {
		return q, errs
	}
	q.ServiceCodes = listParam(v, "service_code", MaxServiceCodes, &errs)
	q.Status = statuses(v, &errs)
	start, okStart := dateParam(v, "start_date", &errs)
	end, okEnd := dateParam(v, "end_date", &errs)
	if !okStart || !okEnd {
		return q, errs
	}
	switch {
	case start.IsZero() && end.IsZero():
		end = now
		start = now.Add(-Window)
	case end.IsZero():
		end = start.Add(Window)
	case start.IsZero():
		start = end.Add(-Window)
	case end.Before(start):
		errs.add("end_date", "before start_date")
	case end.Sub(start) > Window:
		errs.add("end_date", "more than 90 days after start_date")
	}
	q.Start, q.End = start.UTC(), end.UTC()
	return q, errs
}

// listParam gathers a comma list parameter, which may also repeat: trimmed,
// empty items dropped, duplicates dropped, each a valid code or id.
func listParam(v url.Values, name string, max int, errs *errList) []string {
	var out []string
	for _, s := range v[name] {
		for item := range strings.SplitSeq(s, ",") {
			item = strings.TrimSpace(item)
			switch {
			case item == "" || slices.Contains(out, item):
			case !idPattern.MatchString(item):
				errs.add(name, "not a valid value")
				return nil
			case len(out) == max:
				errs.add(name, "more than %d values", max)
				return nil
			default:
				out = append(out, item)
			}
		}
	}
	return out
}

// statuses reads the status list: open, closed or both (which is no filter).
func statuses(v url.Values, errs *errList) string {
	var open, closed bool
	for _, s := range v["status"] {
		for item := range strings.SplitSeq(s, ",") {
			switch strings.ToLower(strings.TrimSpace(item)) {
			case "":
			case StatusOpen:
				open = true
			case StatusClosed:
				closed = true
			default:
				errs.add("status", "must be open or closed")
				return ""
			}
		}
	}
	if open == closed {
		return ""
	}
	if open {
		return StatusOpen
	}
	return StatusClosed
}

// dateParam reads an optional single datetime parameter; ok is false on an error.
func dateParam(v url.Values, name string, errs *errList) (t time.Time, ok bool) {
	vs := v[name]
	if len(vs) > 1 {
		errs.add(name, "given more than once")
		return t, false
	}
	if len(vs) == 0 || strings.TrimSpace(vs[0]) == "" {
		return t, true
	}
	t, ok = parseW3(strings.TrimSpace(vs[0]))
	if !ok {
		errs.add(name, "must be a W3C datetime with an offset, such as 2010-01-01T00:00:00Z")
	}
	return t, ok
}

// w3Datetime is the W3C note's complete datetime, to the minute, second or
// fraction of a second, with "Z" or an offset (which the note requires here).
// A space where the offset's "+" should be is a "+" that was not
// URL-encoded, a common client slip; it is read as "+".
var w3Datetime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+\- ]\d{2}:\d{2})$`)

func parseW3(s string) (time.Time, bool) {
	if !w3Datetime.MatchString(s) {
		return time.Time{}, false
	}
	if i := len(s) - 6; s[i] == ' ' {
		s = s[:i] + "+" + s[i+1:]
	}
	if s[16] != ':' {
		s = s[:16] + ":00" + s[16:] // no seconds: add them for RFC 3339
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}
