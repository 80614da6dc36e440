package hours

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"destek/internal/policy"
)

var istanbul = mustLoad("Europe/Istanbul")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at reads a wall-clock time in Istanbul, "2006-01-02 15:04".
func at(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, istanbul)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func defaultCalendar(t testing.TB) *Calendar {
	t.Helper()
	c, err := New(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The dates below are 2026's under the built-in policy: Monday–Friday
// 09:00–18:00; 19 March (Thu) and 26 May (Tue) and 28 October (Wed) are eves
// closed from 13:00; 20–22 March, 27–30 May and 29 October are holidays.

func TestAddBusiness(t *testing.T) {
	c := defaultCalendar(t)
	for _, tc := range []struct {
		name  string
		start string
		d     time.Duration
		want  string
	}{
		{"within a day", "2026-11-23 10:00", 4 * time.Hour, "2026-11-23 14:00"},
		{"across a weekend", "2026-11-20 17:00", 4 * time.Hour, "2026-11-23 12:00"},
		{"runs out exactly at closing", "2026-11-20 17:00", time.Hour, "2026-11-20 18:00"},
		{"started on a Saturday", "2026-11-21 11:00", time.Hour, "2026-11-23 10:00"},
		{"started before opening", "2026-11-23 08:00", 30 * time.Minute, "2026-11-23 09:30"},
		{"started at closing", "2026-11-23 18:00", time.Hour, "2026-11-24 10:00"},
		{"zero duration", "2026-11-21 11:00", 0, "2026-11-21 11:00"},
		{"into the 28 October half day", "2026-10-27 17:00", 4 * time.Hour, "2026-10-28 12:00"},
		{"over the half day and Republic Day", "2026-10-27 17:00", 8 * time.Hour, "2026-10-30 12:00"},
		{"half day morning to after the holiday", "2026-10-28 12:00", 2 * time.Hour, "2026-10-30 10:00"},
		{"started on the half day afternoon", "2026-10-28 14:00", time.Hour, "2026-10-30 10:00"},
		{"started on Republic Day", "2026-10-29 10:00", time.Hour, "2026-10-30 10:00"},
		{"Kurban Bayramı eve and holidays", "2026-05-26 10:00", 8 * time.Hour, "2026-06-01 14:00"},
		{"three business days over Kurban Bayramı", "2026-05-22 16:00", 24 * time.Hour, "2026-06-01 18:00"},
		{"Ramazan Bayramı eve", "2026-03-19 12:00", 2 * time.Hour, "2026-03-23 10:00"},
		{"New Year's Day", "2025-12-31 17:00", 2 * time.Hour, "2026-01-02 10:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start, want := at(t, tc.start), at(t, tc.want)
			got := c.AddBusiness(start, tc.d)
			if !got.Equal(want) {
				t.Fatalf("AddBusiness(%s, %s) = %s, want %s", tc.start, tc.d, got.Format(time.RFC3339), want.Format(time.RFC3339))
			}
			if got.Location().String() != "Europe/Istanbul" && tc.d > 0 {
				t.Errorf("result in %s, want the policy's time zone", got.Location())
			}
			if back := c.BusinessBetween(start, got); back != tc.d {
				t.Errorf("BusinessBetween(start, due) = %s, want %s", back, tc.d)
			}
		})
	}
}

func TestBusinessBetween(t *testing.T) {
	c := defaultCalendar(t)
	for _, tc := range []struct {
		a, b string
		want time.Duration
	}{
		{"2026-11-20 17:00", "2026-11-23 10:00", 2 * time.Hour},
		{"2026-11-21 00:00", "2026-11-22 23:59", 0},
		{"2026-10-28 00:00", "2026-10-30 00:00", 4 * time.Hour},
		{"2026-05-25 00:00", "2026-06-02 00:00", 9*time.Hour + 4*time.Hour + 9*time.Hour},
		{"2026-11-23 10:00", "2026-11-23 10:00", 0},
		{"2026-11-23 12:00", "2026-11-23 10:00", -2 * time.Hour},
	} {
		if got := c.BusinessBetween(at(t, tc.a), at(t, tc.b)); got != tc.want {
			t.Errorf("BusinessBetween(%s, %s) = %s, want %s", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestOpenAt(t *testing.T) {
	c := defaultCalendar(t)
	for _, tc := range []struct {
		when time.Time
		want bool
	}{
		{at(t, "2026-11-23 09:00"), true},
		{at(t, "2026-11-23 09:00").Add(-time.Nanosecond), false},
		{at(t, "2026-11-23 18:00").Add(-time.Nanosecond), true},
		{at(t, "2026-11-23 18:00"), false},
		{at(t, "2026-11-21 12:00"), false}, // Saturday
		{at(t, "2026-10-28 12:59"), true},  // half day morning
		{at(t, "2026-10-28 13:00"), false}, // half day afternoon
		{at(t, "2026-10-29 10:00"), false}, // Republic Day
		{at(t, "2026-05-29 10:00"), false}, // Kurban Bayramı
		{at(t, "2026-01-01 10:00"), false}, // New Year's Day, a Thursday
		// The same instants given in UTC: the calendar reads them in its
		// own zone (Istanbul is UTC+3).
		{time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC), true},
		{time.Date(2026, 11, 23, 5, 59, 0, 0, time.UTC), false},
		{time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC), false},
	} {
		if got := c.OpenAt(tc.when); got != tc.want {
			t.Errorf("OpenAt(%s) = %v, want %v", tc.when.In(istanbul).Format(time.RFC3339Nano), got, tc.want)
		}
	}
}

func TestNextOpenAndClose(t *testing.T) {
	c := defaultCalendar(t)
	for _, tc := range []struct {
		name, when, open, close string
	}{
		{"Friday evening", "2026-11-20 19:00", "2026-11-23 09:00", "2026-11-23 18:00"},
		{"Friday at closing", "2026-11-20 18:00", "2026-11-23 09:00", "2026-11-23 18:00"},
		{"Monday at opening", "2026-11-23 09:00", "2026-11-23 09:00", "2026-11-23 18:00"},
		{"Monday before opening", "2026-11-23 08:59", "2026-11-23 09:00", "2026-11-23 18:00"},
		{"Saturday", "2026-11-21 12:00", "2026-11-23 09:00", "2026-11-23 18:00"},
		{"half day morning", "2026-10-28 10:00", "2026-10-28 10:00", "2026-10-28 13:00"},
		{"half day afternoon", "2026-10-28 13:00", "2026-10-30 09:00", "2026-10-30 18:00"},
		{"Republic Day", "2026-10-29 10:00", "2026-10-30 09:00", "2026-10-30 18:00"},
		{"Kurban Bayramı eve afternoon", "2026-05-26 14:00", "2026-06-01 09:00", "2026-06-01 18:00"},
		{"Ramazan Bayramı eve afternoon", "2026-03-19 13:00", "2026-03-23 09:00", "2026-03-23 18:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := at(t, tc.when)
			if got := c.NextOpen(w); !got.Equal(at(t, tc.open)) || got.Location().String() != "Europe/Istanbul" {
				t.Errorf("NextOpen = %s, want %s in Istanbul", got.Format(time.RFC3339), tc.open)
			}
			if got := c.NextClose(w); !got.Equal(at(t, tc.close)) || got.Location().String() != "Europe/Istanbul" {
				t.Errorf("NextClose = %s, want %s in Istanbul", got.Format(time.RFC3339), tc.close)
			}
		})
	}
}

func TestRegulatoryDeadlinesRunInCalendarTime(t *testing.T) {
	c := defaultCalendar(t)
	for _, tc := range []struct {
		kind, from, want string
	}{
		// Friday evening: due Saturday evening, the desk closed or not.
		{AbuseAuthorityReview, "2026-11-20 17:00", "2026-11-21 17:00"},
		// Over the half day, Republic Day and a weekend: five calendar days.
		{AuthCodeRelease, "2026-10-27 10:00", "2026-11-01 10:00"},
		// Over Kurban Bayramı: thirty calendar days.
		{DataSubjectRequest, "2026-05-26 10:00", "2026-06-25 10:00"},
	} {
		got, err := c.RegulatoryDeadline(tc.kind, at(t, tc.from))
		if err != nil {
			t.Fatalf("%s: %v", tc.kind, err)
		}
		if !got.Equal(at(t, tc.want)) {
			t.Errorf("%s from %s = %s, want %s", tc.kind, tc.from, got.Format(time.RFC3339), tc.want)
		}
		if c.BusinessBetween(at(t, tc.from), got) == got.Sub(at(t, tc.from)) {
			t.Errorf("%s: the test should span closed time to show the difference", tc.kind)
		}
	}
	if !AddCalendar(at(t, "2026-10-28 12:00"), 24*time.Hour).Equal(at(t, "2026-10-29 12:00")) {
		t.Error("AddCalendar must add calendar time")
	}
	if _, err := c.RegulatoryDeadline("sla_first_response", time.Now()); err == nil || !strings.Contains(err.Error(), "unknown regulatory clock") {
		t.Errorf("unknown kind: err = %v", err)
	}
	doc := policy.Default()
	doc.Privacy.SubjectRequestWithin = 0
	c2, err := New(doc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.RegulatoryDeadline(DataSubjectRequest, time.Now()); err == nil || !strings.Contains(err.Error(), "privacy.subject_request_within") {
		t.Errorf("unset period: err = %v, want it named", err)
	}
}

func clock(s string) policy.Clock {
	var c policy.Clock
	var h, m int
	if _, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil {
		panic(err)
	}
	c.Minutes, c.Set = h*60+m, true
	return c
}

// TestSpansAcrossMidnightAndBreaks uses a calendar with a lunch break and a
// desk open from Friday 20:00 through Saturday 02:00, to show that touching
// spans make one opening period and a break makes two.
func TestSpansAcrossMidnightAndBreaks(t *testing.T) {
	doc := &policy.Document{Hours: policy.Hours{
		TimeZone: "Europe/Istanbul",
		Weekly: map[string][]policy.Span{
			"monday":   {{From: clock("13:00"), To: clock("17:00")}, {From: clock("09:00"), To: clock("12:00")}},
			"friday":   {{From: clock("20:00"), To: clock("24:00")}},
			"saturday": {{From: clock("00:00"), To: clock("02:00")}},
		},
	}}
	c, err := New(doc)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.NextClose(at(t, "2026-11-23 10:00")); !got.Equal(at(t, "2026-11-23 12:00")) {
		t.Errorf("NextClose before lunch = %s", got)
	}
	if got := c.NextOpen(at(t, "2026-11-23 12:30")); !got.Equal(at(t, "2026-11-23 13:00")) {
		t.Errorf("NextOpen at lunch = %s", got)
	}
	if got := c.AddBusiness(at(t, "2026-11-23 11:00"), 2*time.Hour); !got.Equal(at(t, "2026-11-23 14:00")) {
		t.Errorf("AddBusiness over lunch = %s", got)
	}
	if got := c.NextClose(at(t, "2026-11-27 21:00")); !got.Equal(at(t, "2026-11-28 02:00")) {
		t.Errorf("NextClose on Friday night = %s, want Saturday 02:00", got)
	}
	if !c.OpenAt(at(t, "2026-11-28 00:00")) || c.OpenAt(at(t, "2026-11-28 02:00")) {
		t.Error("Saturday 00:00 must be open and 02:00 closed")
	}
}

func TestNewRejects(t *testing.T) {
	for name, doc := range map[string]*policy.Document{
		"no document":   nil,
		"no time zone":  {Hours: policy.Hours{Weekly: map[string][]policy.Span{"monday": {{From: clock("09:00"), To: clock("18:00")}}}}},
		"bad time zone": {Hours: policy.Hours{TimeZone: "Mars/Olympus", Weekly: map[string][]policy.Span{"monday": {{From: clock("09:00"), To: clock("18:00")}}}}},
		"never open":    {Hours: policy.Hours{TimeZone: "Europe/Istanbul"}},
		"bad weekday":   {Hours: policy.Hours{TimeZone: "Europe/Istanbul", Weekly: map[string][]policy.Span{"pazartesi": {{From: clock("09:00"), To: clock("18:00")}}}}},
	} {
		if _, err := New(doc); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}

// FuzzAddBusinessRoundTrip checks that business time added and then
// measured comes back unchanged, and that a due time never falls while the
// desk is closed except exactly at a closing instant.
func FuzzAddBusinessRoundTrip(f *testing.F) {
	c := defaultCalendar(f)
	base := time.Date(2025, 12, 1, 0, 0, 0, 0, istanbul)
	f.Add(int64(0), int64(60))
	f.Add(int64(330*24*60+17*60), int64(4*60)) // late October 2026
	f.Add(int64(176*24*60+10*60), int64(8*60)) // Kurban Bayramı eve
	f.Add(int64(12345), int64(0))
	f.Fuzz(func(t *testing.T, startMin, durMin int64) {
		// Two years of starts, up to 2,000 business hours: far past the
		// holiday list's end and beyond any SLA the policy could set.
		startMin = ((startMin % (2 * 365 * 24 * 60)) + 2*365*24*60) % (2 * 365 * 24 * 60)
		durMin = ((durMin % (2000 * 60)) + 2000*60) % (2000 * 60)
		start := base.Add(time.Duration(startMin) * time.Minute)
		d := time.Duration(durMin) * time.Minute
		due := c.AddBusiness(start, d)
		if got := c.BusinessBetween(start, due); got != d {
			t.Fatalf("start %s, d %s: due %s, BusinessBetween = %s", start, d, due, got)
		}
		if due.Before(start) {
			t.Fatalf("due %s before start %s", due, start)
		}
		if d > 0 && !c.OpenAt(due) && !c.OpenAt(due.Add(-time.Nanosecond)) {
			t.Fatalf("due %s falls in closed time", due)
		}
		if c.BusinessBetween(start, c.NextOpen(start)) != 0 {
			t.Fatalf("business time before NextOpen(%s)", start)
		}
	})
}
