package auth

import (
	"strconv"
	"testing"
	"time"
)

// fakeClock is a settable clock for the limiter and the token cache.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestLimiterBlocksAfterMaxFailuresAndForgetsThemLater(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	l := NewLimiter(3, 15*time.Minute)
	l.now = clock.now

	for i := range 3 {
		if w := l.Blocked("a"); w != 0 {
			t.Fatalf("blocked after %d failures", i)
		}
		l.Fail("a")
		clock.advance(time.Minute)
	}
	// Failures at 10:00, 10:01, 10:02; now 10:03. The oldest leaves the
	// window at 10:15.
	if w := l.Blocked("a"); w != 12*time.Minute {
		t.Fatalf("Blocked = %v, want 12m", w)
	}
	if w := l.Blocked("b"); w != 0 {
		t.Fatalf("another key is blocked for %v", w)
	}
	clock.advance(12 * time.Minute)
	if w := l.Blocked("a"); w != 0 {
		t.Fatalf("still blocked for %v after the oldest failure left the window", w)
	}
	l.Fail("a")
	if w := l.Blocked("a"); w == 0 {
		t.Fatal("not blocked with three failures in the window")
	}
	l.Reset("a")
	if w := l.Blocked("a"); w != 0 {
		t.Fatalf("blocked for %v after Reset", w)
	}
}

func TestLimiterMemoryIsBounded(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	l := NewLimiter(5, time.Minute)
	l.now = clock.now
	for i := range maxLimiterKeys + 10 {
		l.Fail(strconv.Itoa(i))
	}
	if n := len(l.fails); n > maxLimiterKeys {
		t.Fatalf("%d keys kept, bound is %d", n, maxLimiterKeys)
	}
}
