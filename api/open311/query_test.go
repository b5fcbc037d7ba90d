package open311

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestParseQueryAccepts(t *testing.T) {
	tests := []struct {
		name, query string
		want        Query
	}{
		{"nothing: the last 90 days", "", Query{Start: now.Add(-Window), End: now}},
		{"jurisdiction and extensions ignored", "jurisdiction_id=city.gov&page=2&page_size=10",
			Query{Start: now.Add(-Window), End: now}},
		{"ids override the rest", "service_request_id=K7M-Q2X-9PF,+abc,,abc&status=bogus&start_date=junk",
			Query{IDs: []string{"K7M-Q2X-9PF", "abc"}}},
		{"ids repeated", "service_request_id=a&service_request_id=b,a", Query{IDs: []string{"a", "b"}}},
		{"empty ids are no ids", "service_request_id=+,+", Query{Start: now.Add(-Window), End: now}},
		{"service codes listed and repeated", "service_code=pothole,graffiti&service_code=graffiti,+fly-tipping",
			Query{ServiceCodes: []string{"pothole", "graffiti", "fly-tipping"}, Start: now.Add(-Window), End: now}},
		{"status open", "status=open", Query{Status: "open", Start: now.Add(-Window), End: now}},
		{"status in capitals", "status=CLOSED", Query{Status: "closed", Start: now.Add(-Window), End: now}},
		{"both statuses: no filter", "status=open,closed", Query{Start: now.Add(-Window), End: now}},
		{"status repeated", "status=open&status=open", Query{Status: "open", Start: now.Add(-Window), End: now}},
		{"the specification's sample", "start_date=2010-05-24T00:00:00Z&end_date=2010-06-24T00:00:00Z&status=open",
			Query{Status: "open", Start: day(2010, 5, 24), End: day(2010, 6, 24)}},
		{"start only: 90 days from it", "start_date=2026-01-01T00:00:00Z",
			Query{Start: day(2026, 1, 1), End: day(2026, 1, 1).Add(Window)}},
		{"end only: 90 days up to it", "end_date=2026-04-01T00:00:00Z",
			Query{Start: day(2026, 4, 1).Add(-Window), End: day(2026, 4, 1)}},
		{"exactly 90 days", "start_date=2026-01-01T00:00:00Z&end_date=2026-04-01T00:00:00Z",
			Query{Start: day(2026, 1, 1), End: day(2026, 4, 1)}},
		{"offsets and fractions", "start_date=2026-01-01T01:00:00.5%2B01:00&end_date=2026-01-02T00:00-05:00",
			Query{Start: day(2026, 1, 1).Add(500 * time.Millisecond), End: day(2026, 1, 2).Add(5 * time.Hour)}},
		{"an unencoded + arrives as a space", "start_date=2026-01-01T01:00:00+01:00&end_date=2026-01-01T02:00:00+01:00",
			Query{Start: day(2026, 1, 1), End: day(2026, 1, 1).Add(time.Hour)}},
		{"same instant", "start_date=2026-01-01T00:00:00Z&end_date=2026-01-01T00:00:00Z",
			Query{Start: day(2026, 1, 1), End: day(2026, 1, 1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := ParseQuery(form(t, tt.query), now)
			if len(errs) != 0 {
				t.Fatalf("errors %v", errs)
			}
			if !slices.Equal(got.IDs, tt.want.IDs) || !slices.Equal(got.ServiceCodes, tt.want.ServiceCodes) ||
				got.Status != tt.want.Status || !got.Start.Equal(tt.want.Start) || !got.End.Equal(tt.want.End) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseQueryRefuses(t *testing.T) {
	many := make([]string, MaxIDs+1)
	for i := range many {
		many[i] = fmt.Sprint("id", i)
	}
	tests := []struct{ name, query, want string }{
		{"51 ids", "service_request_id=" + strings.Join(many, ","), "service_request_id"},
		{"id with a semicolon", "service_request_id=a%3Bb", "service_request_id"},
		{"id too long", "service_request_id=" + strings.Repeat("a", 65), "service_request_id"},
		{"51 service codes", "service_code=" + strings.Join(many, ","), "service_code"},
		{"service code with markup", "service_code=%3Cb%3E", "service_code"},
		{"unknown status", "status=pending", "status"},
		{"status with junk", "status=open,nope", "status"},
		{"date only", "start_date=2010-01-01", "start_date"},
		{"no offset", "start_date=2010-01-01T00:00:00", "start_date"},
		{"month 13", "start_date=2010-13-01T00:00:00Z", "start_date"},
		{"hour 25", "end_date=2010-01-01T25:00:00Z", "end_date"},
		{"not a date", "end_date=yesterday", "end_date"},
		{"unix time", "end_date=1700000000", "end_date"},
		{"start twice", "start_date=2026-01-01T00:00:00Z&start_date=2026-01-02T00:00:00Z", "start_date"},
		{"end before start", "start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z", "end_date"},
		{"91 days", "start_date=2026-01-01T00:00:00Z&end_date=2026-04-01T00:00:01Z", "end_date"},
		{"huge value", "start_date=" + strings.Repeat("9", 1<<16), "start_date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := ParseQuery(form(t, tt.query), now)
			if len(errs) != 1 || errs[0].Field != tt.want || errs[0].Code != 400 {
				t.Errorf("errors %v, want one 400 on %s", errs, tt.want)
			}
		})
	}
}

func TestParseQueryReportsEveryProblem(t *testing.T) {
	_, errs := ParseQuery(form(t, "service_code=a+b&status=x&start_date=y&end_date=z"), now)
	got := errFields(errs)
	if !slices.Equal(got, []string{"service_code", "status", "start_date", "end_date"}) {
		t.Errorf("errors %v", errs)
	}
}

func TestValidID(t *testing.T) {
	for s, want := range map[string]bool{"K7M-Q2X-9PF": true, "0123456789abcdefghjkmnpqrs": true, "": false,
		"a/b": false, "..": false, "a.b": false, strings.Repeat("a", 65): false, "a b": false} {
		if ValidID(s) != want {
			t.Errorf("ValidID(%q) = %v", s, !want)
		}
	}
}
