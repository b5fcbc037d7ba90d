package cases

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"frontdoor/api/catalogue"
)

func mustCalendar(tb testing.TB) *Calendar {
	tb.Helper()
	c, err := NewCalendar(EnglandAndWalesBankHolidays)
	if err != nil {
		tb.Fatalf("NewCalendar: %v", err)
	}
	return c
}

// londonTime reads "2006-01-02 15:04:05" as a London wall-clock time.
func londonTime(tb testing.TB, s string) time.Time {
	tb.Helper()
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		tb.Fatal(err)
	}
	t, err := time.ParseInLocation(time.DateTime, s, loc)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

func utcTime(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// easterSunday is the Anonymous Gregorian computus (Meeus/Jones/Butcher),
// kept here only to check the holiday data independently.
func easterSunday(y int) time.Time {
	a, b, c := y%19, y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	n := h + l - 7*m + 114
	return time.Date(y, time.Month(n/31), n%31+1, 0, 0, 0, 0, time.UTC)
}

func isWeekend(d time.Time) bool { return d.Weekday() == time.Saturday || d.Weekday() == time.Sunday }

// nextFree moves d forward past weekends and days already taken: the rule
// for days in lieu.
func nextFree(d time.Time, taken []time.Time) time.Time {
	for isWeekend(d) || slices.ContainsFunc(taken, d.Equal) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// mondayOnOrAfter is the first Monday on or after d.
func mondayOnOrAfter(d time.Time) time.Time {
	return d.AddDate(0, 0, (int(time.Monday)-int(d.Weekday())+7)%7)
}

// ruleHolidays works out a year's England and Wales bank holidays from the
// standing rules.
func ruleHolidays(y int) []string {
	date := func(m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	easter := easterSunday(y)
	days := []time.Time{
		nextFree(date(time.January, 1), nil),
		easter.AddDate(0, 0, -2),
		easter.AddDate(0, 0, 1),
		mondayOnOrAfter(date(time.May, 1)),
		mondayOnOrAfter(date(time.May, 25)),    // last Monday: within the last 7 days
		mondayOnOrAfter(date(time.August, 25)), // likewise
	}
	christmas := nextFree(date(time.December, 25), nil)
	days = append(days, christmas, nextFree(date(time.December, 26), []time.Time{christmas}))
	out := make([]string, len(days))
	for i, d := range days {
		out[i] = d.Format(time.DateOnly)
	}
	return out
}

func TestEasterComputusMatchesKnownDates(t *testing.T) {
	for y, want := range map[int]string{2000: "2000-04-23", 2019: "2019-04-21", 2024: "2024-03-31", 2025: "2025-04-20", 2026: "2026-04-05", 2038: "2038-04-25"} {
		if got := easterSunday(y).Format(time.DateOnly); got != want {
			t.Errorf("Easter %d = %s, want %s", y, got, want)
		}
	}
}

func TestBankHolidayDataFollowsTheRules(t *testing.T) {
	var want []string
	for y := 2024; y <= 2030; y++ {
		want = append(want, ruleHolidays(y)...)
	}
	if !slices.Equal(EnglandAndWalesBankHolidays, want) {
		t.Fatalf("holiday data differs from the rules:\n got %v\nwant %v", EnglandAndWalesBankHolidays, want)
	}
}

func TestBankHolidayDataHasKnownDates(t *testing.T) {
	known := []string{
		"2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25", "2025-12-25", "2025-12-26",
		"2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25",
		"2026-12-28",               // Boxing Day is a Saturday
		"2027-12-27", "2027-12-28", // Christmas Day and Boxing Day at the weekend
		"2028-01-03", // New Year's Day is a Saturday
	}
	for _, d := range known {
		if !slices.Contains(EnglandAndWalesBankHolidays, d) {
			t.Errorf("%s missing", d)
		}
	}
	for _, d := range []string{"2026-12-26", "2027-12-25", "2027-12-26", "2028-01-01"} {
		if slices.Contains(EnglandAndWalesBankHolidays, d) {
			t.Errorf("%s is a weekend day, listed instead of its day in lieu", d)
		}
	}
}

func TestNewCalendarRefusesBadDates(t *testing.T) {
	for _, bad := range []string{"", "2026-02-30", "2026-13-01", "2026-1-5", "26-01-01", " 2026-01-01", "2026-01-01T00:00:00Z", "01/01/2026"} {
		if _, err := NewCalendar([]string{"2026-01-01", bad}); err == nil {
			t.Errorf("NewCalendar accepted %q", bad)
		}
	}
}

func TestWorkingDayUsesLondonDates(t *testing.T) {
	c := mustCalendar(t)
	for _, tc := range []struct {
		at   string // UTC
		want bool
	}{
		{"2026-06-05T12:00:00Z", true},  // Friday
		{"2026-06-05T23:30:00Z", false}, // 00:30 BST Saturday, though Friday in UTC
		{"2026-06-07T23:30:00Z", true},  // 00:30 BST Monday
		{"2026-06-06T12:00:00Z", false}, // Saturday
		{"2026-12-24T23:30:00Z", true},  // GMT: still Thursday 24 December
		{"2026-12-25T12:00:00Z", false}, // Christmas Day
		{"2026-12-28T12:00:00Z", false}, // Boxing Day in lieu
		{"2026-12-29T00:00:00Z", true},
		{"2026-04-03T10:00:00Z", false}, // Good Friday
		{"2026-04-06T10:00:00Z", false}, // Easter Monday
		{"2026-04-07T10:00:00Z", true},
	} {
		if got := c.WorkingDay(utcTime(t, tc.at)); got != tc.want {
			t.Errorf("WorkingDay(%s) = %v, want %v", tc.at, got, tc.want)
		}
	}
}

func TestDueInWorkingDays(t *testing.T) {
	c := mustCalendar(t)
	for _, tc := range []struct {
		name, start string // start in London wall-clock time
		target      int
		want        string // UTC
	}{
		{"Friday, target 1: Monday", "2026-05-15 16:00:00", 1, "2026-05-18T22:59:59Z"},
		{"Friday before the Spring holiday: Tuesday", "2026-05-22 09:00:00", 1, "2026-05-26T22:59:59Z"},
		{"late on Thursday in BST is still Thursday", "2026-06-04 23:30:00", 1, "2026-06-05T22:59:59Z"},
		{"00:30 BST Friday is Friday, not Thursday", "2026-06-05 00:30:00", 1, "2026-06-08T22:59:59Z"},
		{"Christmas Eve 2026: past Christmas and Boxing Day in lieu", "2026-12-24 10:00:00", 1, "2026-12-29T23:59:59Z"},
		{"Christmas Eve 2026, target 5: past New Year's Day", "2026-12-24 10:00:00", 5, "2027-01-05T23:59:59Z"},
		{"before Easter 2026", "2026-04-02 15:00:00", 2, "2026-04-08T22:59:59Z"},
		{"Saturday report counts from Monday", "2026-06-06 11:00:00", 1, "2026-06-08T22:59:59Z"},
		{"across the spring clock change", "2026-03-27 12:00:00", 1, "2026-03-30T22:59:59Z"},
		{"across the autumn clock change", "2026-10-23 12:00:00", 1, "2026-10-26T23:59:59Z"},
		{"on the night of the autumn change", "2026-10-25 01:30:00", 1, "2026-10-26T23:59:59Z"},
		{"20 working days through December", "2026-12-01 09:00:00", 20, "2026-12-31T23:59:59Z"},
		{"20 working days over Christmas and New Year", "2026-12-10 09:00:00", 20, "2027-01-12T23:59:59Z"},
		{"target 0 is read as 1", "2026-05-15 16:00:00", 0, "2026-05-18T22:59:59Z"},
		{"negative target is read as 1", "2026-05-15 16:00:00", -3, "2026-05-18T22:59:59Z"},
	} {
		got := c.Due(londonTime(t, tc.start), tc.target, catalogue.UnitWorkingDays)
		if want := utcTime(t, tc.want); !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%s: Due = %s, want %s", tc.name, got, want)
		}
	}
}

func TestDueInHoursIsElapsedTime(t *testing.T) {
	c := mustCalendar(t)
	for _, tc := range []struct {
		start  string
		target int
		want   string
	}{
		{"2026-03-28T12:00:00Z", 24, "2026-03-29T12:00:00Z"}, // 23-hour London day: still 24 real hours
		{"2026-10-24T12:00:00Z", 24, "2026-10-25T12:00:00Z"}, // 25-hour London day
		{"2026-12-24T20:00:00Z", 48, "2026-12-26T20:00:00Z"}, // holidays do not stop an hours clock
		{"2026-12-24T20:00:00Z", 0, "2026-12-24T21:00:00Z"},  // target 0 is read as 1
	} {
		got := c.Due(utcTime(t, tc.start), tc.target, catalogue.UnitHours)
		if want := utcTime(t, tc.want); !got.Equal(want) {
			t.Errorf("Due(%s, %d h) = %s, want %s", tc.start, tc.target, got, want)
		}
	}
}

func TestRemainingCountsOnlyWorkingTime(t *testing.T) {
	c := mustCalendar(t)
	const s = time.Second
	for _, tc := range []struct {
		name, now, due string // UTC
		want           time.Duration
	}{
		{"within one day", "2026-06-03T09:00:00Z", "2026-06-03T22:59:59Z", 13*time.Hour + 59*time.Minute + 59*s},
		{"over a weekend", "2026-06-05T11:00:00Z", "2026-06-08T22:59:59Z", 12*time.Hour + 24*time.Hour - s},
		{"over the spring clock change", "2026-03-27T12:00:00Z", "2026-03-30T22:59:59Z", 12*time.Hour + 24*time.Hour - s},
		{"over the autumn clock change", "2026-10-23T11:00:00Z", "2026-10-26T23:59:59Z", 12*time.Hour + 24*time.Hour - s},
		{"over Christmas 2026", "2026-12-24T12:00:00Z", "2026-12-29T23:59:59Z", 12*time.Hour + 24*time.Hour - s},
		{"from a Saturday", "2026-06-06T10:00:00Z", "2026-06-08T22:59:59Z", 24*time.Hour - s},
		{"due has passed", "2026-06-09T10:00:00Z", "2026-06-08T22:59:59Z", 0},
		{"due is now", "2026-06-08T22:59:59Z", "2026-06-08T22:59:59Z", 0},
	} {
		got := c.Remaining(utcTime(t, tc.now), utcTime(t, tc.due), catalogue.UnitWorkingDays)
		if got != tc.want {
			t.Errorf("%s: Remaining = %s, want %s", tc.name, got, tc.want)
		}
	}
	hours := c.Remaining(utcTime(t, "2026-12-24T12:00:00Z"), utcTime(t, "2026-12-26T12:00:00Z"), catalogue.UnitHours)
	if hours != 48*time.Hour {
		t.Errorf("hours clock over Christmas: Remaining = %s, want 48h", hours)
	}
}

// A pause moves the due time by the working time it swallowed: a day from
// Friday 10:00 to Tuesday 10:00 over the Spring bank holiday weekend, and
// likewise over Christmas; nothing for a pause that only spans a weekend.
func TestPauseMovesDueByWorkingTimeLost(t *testing.T) {
	c := mustCalendar(t)
	for _, tc := range []struct {
		name, due, pause, resume, want string // London wall-clock times
	}{
		{"Spring bank holiday", "2026-05-27 23:59:59", "2026-05-22 10:00:00", "2026-05-26 10:00:00", "2026-05-28 23:59:59"},
		{"Christmas 2026", "2026-12-31 23:59:59", "2026-12-24 12:00:00", "2026-12-29 12:00:00", "2027-01-04 23:59:59"},
		{"Easter 2026", "2026-04-08 23:59:59", "2026-04-02 17:00:00", "2026-04-07 17:00:00", "2026-04-09 23:59:59"},
		{"weekend only", "2026-06-10 23:59:59", "2026-06-06 09:00:00", "2026-06-07 18:00:00", "2026-06-10 23:59:59"},
		{"spring clock change", "2026-04-01 23:59:59", "2026-03-27 12:00:00", "2026-03-30 12:00:00", "2026-04-02 23:59:59"},
	} {
		left := c.Remaining(londonTime(t, tc.pause), londonTime(t, tc.due), catalogue.UnitWorkingDays)
		got := c.Resume(londonTime(t, tc.resume), left, catalogue.UnitWorkingDays)
		if want := londonTime(t, tc.want); !got.Equal(want) {
			t.Errorf("%s: new due %s, want %s", tc.name, got.In(want.Location()), want)
		}
	}
	// An hours clock is plain time: a three-hour pause adds three hours.
	left := c.Remaining(utcTime(t, "2026-12-24T12:00:00Z"), utcTime(t, "2026-12-25T12:00:00Z"), catalogue.UnitHours)
	if got := c.Resume(utcTime(t, "2026-12-24T15:00:00Z"), left, catalogue.UnitHours); !got.Equal(utcTime(t, "2026-12-25T15:00:00Z")) {
		t.Errorf("hours clock resumed to %s", got)
	}
}

// randomInstant is a uniformly random instant in [from, from+span).
func randomInstant(rng *rand.Rand, from time.Time, span time.Duration) time.Time {
	return from.Add(time.Duration(rng.Int64N(int64(span))))
}

// For any instant t before a due time, Resume(t, Remaining(t, due)) gives
// due back, and a pause from p to r moves due by exactly the working time
// between p and r. Instants are drawn over 2024-2030 and, more densely,
// around the 2026 clock changes, Easter and Christmas.
func TestResumeUndoesRemaining(t *testing.T) {
	c := mustCalendar(t)
	rng := rand.New(rand.NewPCG(4, 2026))
	windows := []struct{ from, to string }{
		{"2024-01-01T00:00:00Z", "2030-06-01T00:00:00Z"},
		{"2026-03-20T00:00:00Z", "2026-04-02T00:00:00Z"}, // spring clock change
		{"2026-10-16T00:00:00Z", "2026-10-28T00:00:00Z"}, // autumn clock change
		{"2026-03-28T00:00:00Z", "2026-04-08T00:00:00Z"}, // Easter
		{"2026-12-18T00:00:00Z", "2027-01-02T00:00:00Z"}, // Christmas and New Year
	}
	for i := 0; i < 20000; i++ {
		w := windows[i%len(windows)]
		from := utcTime(t, w.from)
		start := randomInstant(rng, from, utcTime(t, w.to).Sub(from))
		due := c.Due(start, 1+rng.IntN(25), catalogue.UnitWorkingDays)
		p := randomInstant(rng, start, due.Sub(start))
		left := c.Remaining(p, due, catalogue.UnitWorkingDays)
		if left <= 0 || left > due.Sub(p) {
			t.Fatalf("Remaining(%s, %s) = %s", p, due, left)
		}
		if got := c.Resume(p, left, catalogue.UnitWorkingDays); !got.Equal(due) {
			t.Fatalf("Resume(%s, Remaining) = %s, want %s", p, got, due)
		}
		r := randomInstant(rng, p, due.Sub(p))
		moved := c.Resume(r, left, catalogue.UnitWorkingDays)
		lost := c.Remaining(p, r, catalogue.UnitWorkingDays)
		if gained := c.Remaining(due, moved, catalogue.UnitWorkingDays); gained != lost {
			t.Fatalf("pause %s..%s lost %s of working time but moved due %s -> %s (%s)", p, r, lost, due, moved, gained)
		}
	}
}
