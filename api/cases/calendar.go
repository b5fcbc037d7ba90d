package cases

import (
	"fmt"
	"time"
	_ "time/tzdata" // Europe/London must exist even on a machine without zoneinfo

	"frontdoor/api/catalogue"
)

// EnglandAndWalesBankHolidays are the bank holidays in England and Wales,
// 2024 to 2030: the dates published on gov.uk/bank-holidays and, beyond
// them, the standing rules: New Year's Day, Good Friday, Easter Monday, the
// first and last Mondays of May, the last Monday of August, Christmas Day
// and Boxing Day, with a weekday in lieu when one falls at a weekend.
//
// Dates from 2026 on are subject to proclamation: New Year's Day, the early
// May holiday and the days in lieu (2026-12-28, 2027-12-27, 2027-12-28,
// 2028-01-03) are appointed by royal proclamation each year, and a one-off
// holiday (a coronation, a jubilee) or a moved one (VE Day in 2020) may be
// added. Check this list against gov.uk every year; after 2030 only
// weekends are counted until it is extended.
var EnglandAndWalesBankHolidays = []string{
	"2024-01-01", "2024-03-29", "2024-04-01", "2024-05-06", "2024-05-27", "2024-08-26", "2024-12-25", "2024-12-26",
	"2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25", "2025-12-25", "2025-12-26",
	"2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28",
	"2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30", "2027-12-27", "2027-12-28",
	"2028-01-03", "2028-04-14", "2028-04-17", "2028-05-01", "2028-05-29", "2028-08-28", "2028-12-25", "2028-12-26",
	"2029-01-01", "2029-03-30", "2029-04-02", "2029-05-07", "2029-05-28", "2029-08-27", "2029-12-25", "2029-12-26",
	"2030-01-01", "2030-04-19", "2030-04-22", "2030-05-06", "2030-05-27", "2030-08-26", "2030-12-25", "2030-12-26",
}

// Calendar runs service-standard clocks. Working days are London dates
// that are neither a Saturday, a Sunday nor a bank holiday; the council
// works to London time, so a report at 00:30 BST on a Saturday is a
// Saturday report even though it is still Friday in UTC.
type Calendar struct {
	loc      *time.Location
	holidays map[civilDate]bool
}

type civilDate struct {
	year  int
	month time.Month
	day   int
}

// NewCalendar returns a calendar for Europe/London with the given bank
// holidays ("YYYY-MM-DD"); a date that is not a real day in that exact
// form is an error, so a typo in the data cannot silently drop a holiday.
func NewCalendar(holidays []string) (*Calendar, error) {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		return nil, fmt.Errorf("cases: calendar zone: %w", err)
	}
	c := &Calendar{loc: loc, holidays: make(map[civilDate]bool, len(holidays))}
	for _, s := range holidays {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil || d.Format(time.DateOnly) != s {
			return nil, fmt.Errorf("cases: bank holiday %q is not a YYYY-MM-DD date", s)
		}
		c.holidays[civilDate{d.Year(), d.Month(), d.Day()}] = true
	}
	return c, nil
}

// WorkingDay reports whether t falls on a working day in London.
func (c *Calendar) WorkingDay(t time.Time) bool {
	return c.working(c.dayStart(t))
}

// working reports whether the London day starting at midnight day is a working day.
func (c *Calendar) working(day time.Time) bool {
	if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	y, m, d := day.Date()
	return !c.holidays[civilDate{y, m, d}]
}

// dayStart is London midnight at the start of t's London date. Midnight
// always exists in London: the clocks change at 01:00 UTC.
func (c *Calendar) dayStart(t time.Time) time.Time {
	y, m, d := t.In(c.loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, c.loc)
}

// nextDay is the London midnight after day; days are 23, 24 or 25 hours
// long, so adding 24h would drift at the clock changes.
func (c *Calendar) nextDay(day time.Time) time.Time {
	y, m, d := day.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, c.loc)
}

// Due is when a service standard of target units, started at start, runs
// out, in UTC.
//
// For hours it is start plus target elapsed hours (a clock change does not
// add or remove one). For working days it is the last second of the
// target-th working day after the day of start: a report on a Friday with
// a target of 1 is due at 23:59:59 on Monday, or Tuesday when Monday is a
// bank holiday. The day of the report itself never counts, as a report
// made late in the day must not be late by the evening.
//
// Targets start at 1; a target below 1 is read as 1, so a mistaken
// standard of 0 does not make every report late the moment it is made.
func (c *Calendar) Due(start time.Time, target int, unit catalogue.Unit) time.Time {
	target = max(target, 1)
	if unit == catalogue.UnitHours {
		return start.Add(time.Duration(target) * time.Hour).UTC()
	}
	day := c.dayStart(start)
	for n := 0; n < target; {
		day = c.nextDay(day)
		if c.working(day) {
			n++
		}
	}
	return c.nextDay(day).Add(-time.Second).UTC()
}

// Remaining is the time left on a clock due at due, seen at now: for
// working days only the time that falls on working days counts, for hours
// all of it. It is 0 once due has passed. The service pauses a clock by
// keeping Remaining and restarts it with Resume.
func (c *Calendar) Remaining(now, due time.Time, unit catalogue.Unit) time.Duration {
	if !now.Before(due) {
		return 0
	}
	if unit == catalogue.UnitHours {
		return due.Sub(now)
	}
	var left time.Duration
	for day := c.dayStart(now); day.Before(due); {
		next := c.nextDay(day)
		if c.working(day) {
			left += clockMin(next, due).Sub(clockMax(day, now))
		}
		day = next
	}
	return left
}

// Resume is the new due time of a clock restarted at now with remaining
// left, in UTC: for working days the remaining time is spent only on
// working days, so a pause over a weekend or a bank holiday moves the due
// time by the working time lost. Resume(t, Remaining(t, due)) == due.
func (c *Calendar) Resume(now time.Time, remaining time.Duration, unit catalogue.Unit) time.Time {
	if remaining <= 0 {
		return now.UTC()
	}
	if unit == catalogue.UnitHours {
		return now.Add(remaining).UTC()
	}
	from := now
	for day := c.dayStart(now); ; {
		next := c.nextDay(day)
		if c.working(day) {
			avail := next.Sub(from)
			if remaining <= avail {
				return from.Add(remaining).UTC()
			}
			remaining -= avail
		}
		day, from = next, next
	}
}

func clockMin(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func clockMax(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Day is t's date in London, "2006-01-02": the council's day.
func (c *Calendar) Day(t time.Time) string { return t.In(c.loc).Format("2006-01-02") }
