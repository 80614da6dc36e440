// Package hours is business-hours arithmetic over the policy's working
// hours and public holidays (article 9): whether the desk is open at an
// instant, when it next opens or closes, SLA due times that count only
// business time, and the regulatory deadlines that count calendar time.
//
// The package is pure: callers pass the instants in, nothing reads the
// clock, and a Calendar never changes after New.
package hours

import (
	"errors"
	"fmt"
	"iter"
	"slices"
	"time"

	"destek/internal/policy"
)

// Calendar answers business-hours questions for one policy document.
type Calendar struct {
	doc *policy.Document
	loc *time.Location
	// weekly holds each weekday's opening spans, indexed by time.Weekday.
	weekly [7][]policy.Span
	// holidays by date; a holiday with ClosedFrom set is a half day.
	holidays map[policy.Date]policy.Holiday
}

var weekdayNames = map[string]time.Weekday{
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday,
	"wednesday": time.Wednesday, "thursday": time.Thursday, "friday": time.Friday,
	"saturday": time.Saturday,
}

// New builds the calendar of doc's business hours. It fails when the time
// zone is unknown or the week has no opening span at all, since then the
// desk would never open and no business-time deadline could be computed.
func New(doc *policy.Document) (*Calendar, error) {
	if doc == nil {
		return nil, errors.New("hours: no policy document")
	}
	if doc.Hours.TimeZone == "" {
		return nil, errors.New("hours: business_hours.time_zone is not set")
	}
	loc, err := time.LoadLocation(doc.Hours.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("hours: business_hours.time_zone: %w", err)
	}
	c := &Calendar{doc: doc, loc: loc, holidays: make(map[policy.Date]policy.Holiday, len(doc.Hours.Holidays))}
	open := false
	for name, spans := range doc.Hours.Weekly {
		wd, ok := weekdayNames[name]
		if !ok {
			return nil, fmt.Errorf("hours: unknown weekday %q in business_hours.weekly", name)
		}
		for _, s := range spans {
			// Empty or inverted spans are refused by policy validation;
			// skipping them here keeps the arithmetic total regardless.
			if s.From.Set && s.To.Set && s.From.Minutes < s.To.Minutes {
				c.weekly[wd] = append(c.weekly[wd], s)
				open = true
			}
		}
		slices.SortFunc(c.weekly[wd], func(a, b policy.Span) int { return a.From.Minutes - b.From.Minutes })
	}
	if !open {
		return nil, errors.New("hours: business_hours.weekly has no opening span")
	}
	for _, h := range doc.Hours.Holidays {
		c.holidays[h.Date] = h
	}
	return c, nil
}

// Location returns the policy's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// interval is one opening period, [start, end).
type interval struct{ start, end time.Time }

// day returns the opening periods of the local calendar day that starts at
// midnight: none on a holiday, the morning part on a half day.
func (c *Calendar) day(midnight time.Time) []interval {
	y, m, d := midnight.Date()
	closedFrom := 24 * 60
	if h, ok := c.holidays[policy.Date{Year: y, Month: m, Day: d}]; ok {
		if !h.ClosedFrom.Set {
			return nil
		}
		closedFrom = h.ClosedFrom.Minutes
	}
	var out []interval
	for _, s := range c.weekly[midnight.Weekday()] {
		to := min(s.To.Minutes, closedFrom)
		if s.From.Minutes >= to {
			continue
		}
		// time.Date normalises 24:00 to the next midnight and resolves
		// wall clocks in zones with daylight saving time correctly.
		out = append(out, interval{
			start: time.Date(y, m, d, 0, s.From.Minutes, 0, 0, c.loc),
			end:   time.Date(y, m, d, 0, to, 0, 0, c.loc),
		})
	}
	return out
}

// periods yields the opening periods that end after t, in order, with
// periods that touch (a span to 24:00 followed by one from 00:00) merged
// into one. The sequence is endless: every week has an opening span (New
// checks) and the holiday list is finite, so an open day always follows.
func (c *Calendar) periods(t time.Time) iter.Seq[interval] {
	return func(yield func(interval) bool) {
		local := t.In(c.loc)
		y, m, d := local.Date()
		var pending interval
		have := false
		for i := 0; ; i++ {
			for _, p := range c.day(time.Date(y, m, d+i, 0, 0, 0, 0, c.loc)) {
				if !p.end.After(t) {
					continue
				}
				if have && p.start.Equal(pending.end) {
					pending.end = p.end
					continue
				}
				if have && !yield(pending) {
					return
				}
				pending, have = p, true
			}
		}
	}
}

// OpenAt reports whether the desk is open at t.
func (c *Calendar) OpenAt(t time.Time) bool {
	for p := range c.periods(t) {
		return !p.start.After(t)
	}
	return false
}

// NextOpen returns when the desk next opens: t itself when it is open at t,
// otherwise the start of the next opening period, past weekends and
// holidays. The result is in the policy's time zone.
func (c *Calendar) NextOpen(t time.Time) time.Time {
	for p := range c.periods(t) {
		if p.start.After(t) {
			return p.start
		}
		return t.In(c.loc)
	}
	return time.Time{}
}

// NextClose returns when the desk closes: the end of the opening period
// containing t or, when the desk is closed at t, of the next one. The
// result is in the policy's time zone.
func (c *Calendar) NextClose(t time.Time) time.Time {
	for p := range c.periods(t) {
		return p.end
	}
	return time.Time{}
}

// AddBusiness returns the instant at which d of business time has passed
// since t: the due time of an SLA clock started at t. Time outside opening
// hours does not count, so a clock started while closed runs from the next
// opening, and a clock that runs out exactly at closing time is due at the
// closing instant, not at the next opening. A d of zero or less returns t.
func (c *Calendar) AddBusiness(t time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return t
	}
	for p := range c.periods(t) {
		from := p.start
		if from.Before(t) {
			from = t
		}
		avail := p.end.Sub(from)
		if d <= avail {
			return from.Add(d).In(c.loc)
		}
		d -= avail
	}
	return time.Time{}
}

// BusinessBetween returns how much business time lies between a and b:
// what an SLA clock started at a has used up at b. It is negative when b is
// before a, so that BusinessBetween(t, AddBusiness(t, d)) == d for d ≥ 0.
func (c *Calendar) BusinessBetween(a, b time.Time) time.Duration {
	if b.Before(a) {
		return -c.BusinessBetween(b, a)
	}
	var sum time.Duration
	for p := range c.periods(a) {
		if !p.start.Before(b) {
			break
		}
		from, to := p.start, p.end
		if from.Before(a) {
			from = a
		}
		if to.After(b) {
			to = b
		}
		sum += to.Sub(from)
	}
	return sum
}

// AddCalendar returns t plus d of calendar time. It exists so that code
// computing a deadline says which kind of time it counts: regulatory
// clocks run through nights, weekends and holidays.
func AddCalendar(t time.Time, d time.Duration) time.Time { return t.Add(d) }

// Regulatory clocks: deadlines set by rules outside the desk's own service
// levels, which run in calendar time whatever the business hours.
const (
	// AbuseAuthorityReview is the review of an abuse report from law
	// enforcement or an authority (abuse.authority_review_within; ICANN
	// RAA 3.18 sets 24 hours).
	AbuseAuthorityReview = "abuse_authority_review"
	// AuthCodeRelease is the release of a transfer (EPP) code
	// (critical_operations.auth_code.deadline; 5 days).
	AuthCodeRelease = "auth_code_release"
	// DataSubjectRequest is the answer to a KVKK/GDPR data-subject request
	// (privacy.subject_request_within; 30 days).
	DataSubjectRequest = "data_subject_request"
)

// RegulatoryKinds lists the regulatory clocks RegulatoryDeadline knows.
var RegulatoryKinds = []string{AbuseAuthorityReview, AuthCodeRelease, DataSubjectRequest}

// RegulatoryDeadline returns when the regulatory clock of kind, started at
// from, runs out, counting calendar time. It fails for an unknown kind and
// when the policy sets no period for it, rather than inventing one.
func (c *Calendar) RegulatoryDeadline(kind string, from time.Time) (time.Time, error) {
	var within policy.Duration
	var field string
	switch kind {
	case AbuseAuthorityReview:
		within, field = c.doc.Abuse.AuthorityReviewWithin, "abuse.authority_review_within"
	case AuthCodeRelease:
		within, field = c.doc.CriticalOperations["auth_code"].Deadline, "critical_operations.auth_code.deadline"
	case DataSubjectRequest:
		within, field = c.doc.Privacy.SubjectRequestWithin, "privacy.subject_request_within"
	default:
		return time.Time{}, fmt.Errorf("hours: unknown regulatory clock %q (want one of %v)", kind, RegulatoryKinds)
	}
	if within <= 0 {
		return time.Time{}, fmt.Errorf("hours: the policy sets no %s", field)
	}
	return AddCalendar(from, within.D()).In(c.loc), nil
}
