package policy

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// scalar is implemented by the policy's own scalar types, which parse
// themselves from the YAML text so errors can point at the value.
type scalar interface {
	parseScalar(s string) error
	String() string
}

// Duration is a length of time written as Go writes durations ("15m",
// "1h30m") or as whole days ("5d", "730d"), since retention periods and
// deadlines are counted in days.
type Duration time.Duration

func (d *Duration) parseScalar(s string) error {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 36500 {
			return fmt.Errorf("%q is not a duration: write whole days as 30d, or hours and minutes as 24h, 15m", s)
		}
		*d = Duration(time.Duration(n) * 24 * time.Hour)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return fmt.Errorf("%q is not a duration: write whole days as 30d, or hours and minutes as 24h, 15m", s)
	}
	*d = Duration(v)
	return nil
}

// D returns the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String writes the duration back the way a person would: whole days as
// "Nd", anything else in Go's notation.
func (d Duration) String() string {
	v := time.Duration(d)
	if v > 0 && v%(24*time.Hour) == 0 {
		return strconv.Itoa(int(v/(24*time.Hour))) + "d"
	}
	s := v.String()
	s = strings.TrimSuffix(s, "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	if s == "" {
		return "0s"
	}
	return s
}

// MarshalYAML writes the duration as its String.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// Clock is a time of day, "HH:MM", in the policy's time zone; "24:00" is the
// end of a day.
type Clock struct {
	Minutes int // since midnight
	Set     bool
}

func (c *Clock) parseScalar(s string) error {
	s = strings.TrimSpace(s)
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || len(h) != 2 || len(m) != 2 || err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return fmt.Errorf("%q is not a time of day: write HH:MM, 00:00 to 24:00", s)
	}
	*c = Clock{Minutes: hh*60 + mm, Set: true}
	return nil
}

// String writes the clock as HH:MM ("" when unset).
func (c Clock) String() string {
	if !c.Set {
		return ""
	}
	return fmt.Sprintf("%02d:%02d", c.Minutes/60, c.Minutes%60)
}

// MarshalYAML writes the clock as HH:MM.
func (c Clock) MarshalYAML() (any, error) { return c.String(), nil }

// Date is a calendar date, "YYYY-MM-DD".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

func (d *Date) parseScalar(s string) error {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is not a date: write YYYY-MM-DD, e.g. 2026-10-29", s)
	}
	*d = Date{t.Year(), t.Month(), t.Day()}
	return nil
}

// String writes the date as YYYY-MM-DD.
func (d Date) String() string {
	if d.Year == 0 {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// MarshalYAML writes the date as YYYY-MM-DD.
func (d Date) MarshalYAML() (any, error) { return d.String(), nil }

// In returns midnight of the date in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}
