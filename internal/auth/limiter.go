package auth

import (
	"sync"
	"time"
)

// Limiter counts failures per key (an e-mail address, a client IP) in a
// sliding window. Once a key has Max failures within Window it is blocked
// until the oldest of them leaves the window. Only failures count, so people
// who type their password right are never slowed down.
//
// The counts live in this process: on several nodes each keeps its own, which
// multiplies the allowance by the number of nodes but still bounds guessing.
type Limiter struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	fails map[string][]time.Time
}

// maxLimiterKeys bounds memory under a spray of distinct keys.
const maxLimiterKeys = 100000

// NewLimiter returns a limiter allowing max failures per window.
func NewLimiter(max int, window time.Duration) *Limiter {
	return &Limiter{max: max, window: window, now: time.Now, fails: make(map[string][]time.Time)}
}

// Blocked returns how long key must wait before its next attempt, or 0 when
// it may try now.
func (l *Limiter) Blocked(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	f := l.recent(key, now)
	if len(f) < l.max {
		return 0
	}
	wait := f[len(f)-l.max].Add(l.window).Sub(now)
	return max(wait, time.Second)
}

// Fail records a failed attempt for key.
func (l *Limiter) Fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.fails) >= maxLimiterKeys {
		l.sweep(now)
	}
	f := append(l.recent(key, now), now)
	if len(f) > l.max {
		f = f[len(f)-l.max:]
	}
	l.fails[key] = f
}

// Reset forgets key's failures (after a successful login).
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, key)
}

// recent drops key's failures that have left the window and returns the rest.
func (l *Limiter) recent(key string, now time.Time) []time.Time {
	f := l.fails[key]
	i := 0
	for i < len(f) && !f[i].Add(l.window).After(now) {
		i++
	}
	if i == len(f) {
		delete(l.fails, key)
		return nil
	}
	f = f[i:]
	l.fails[key] = f
	return f
}

// sweep drops expired keys; if the map is still full, it drops arbitrary
// keys, trading some precision for bounded memory.
func (l *Limiter) sweep(now time.Time) {
	for k := range l.fails {
		l.recent(k, now)
	}
	for k := range l.fails {
		if len(l.fails) < maxLimiterKeys {
			break
		}
		delete(l.fails, k)
	}
}
