package api

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"destek/internal/hours"
	"destek/internal/http/respond"
	"destek/internal/policy"
)

// channelsStatusResponse is the public answer of GET /api/v1/channels/status.
type channelsStatusResponse struct {
	// PolicyVersion and PolicyURL say which policy the hours come from, so
	// the website can link to it (article 9).
	PolicyVersion int    `json:"policy_version"`
	PolicyURL     string `json:"policy_url"`
	TimeZone      string `json:"time_zone"`
	// Now is the instant the answer describes.
	Now      time.Time       `json:"now"`
	Channels []channelStatus `json:"channels"`
}

// channelStatus is one channel's availability at the instant asked about.
type channelStatus struct {
	Channel   string   `json:"channel"`
	Enabled   bool     `json:"enabled"`
	Preferred bool     `json:"preferred"`
	Addresses []string `json:"addresses"`
	// Hours is the policy's "business" or "always".
	Hours string `json:"hours"`
	Open  bool   `json:"open"`
	// OpenUntil is when an open business-hours channel closes; OpensAt
	// when a closed one opens. Both are null for channels that are always
	// open or disabled.
	OpenUntil *time.Time `json:"open_until"`
	OpensAt   *time.Time `json:"opens_at"`
}

// calendarCache keeps the business-hours calendar of the policy in force,
// rebuilt only when the keeper hands out a different document: building
// one loads the time zone, which should not happen on every request of a
// public endpoint.
type calendarCache struct {
	mu  sync.Mutex
	doc *policy.Document
	cal *hours.Calendar
}

// get returns the calendar of doc, or nil when doc's hours cannot make one.
// A published policy has a valid time zone, so that means a week with no
// opening span: business-hours channels never open. It is logged once per
// document rather than on every request.
func (c *calendarCache) get(doc *policy.Document, log *slog.Logger) *hours.Calendar {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.doc != doc {
		c.doc = doc
		var err error
		if c.cal, err = hours.New(doc); err != nil {
			log.Warn("business hours unusable; business-hours channels are reported closed", "err", err)
		}
	}
	return c.cal
}

// channelsStatus lists every channel of the policy in force with its
// addresses and whether it is open now and until when. It is public: the
// company's website and the chat widget call it, often from another
// origin, so it allows any origin (it carries no credentials and nothing
// that is not already published in the policy).
func (s *server) channelsStatus(w http.ResponseWriter, r *http.Request) error {
	cur := s.cfg.Policy.Current()
	doc := cur.Doc
	now := s.cfg.Now()
	cal := s.calendars.get(doc, s.log)
	out := channelsStatusResponse{
		PolicyVersion: cur.Version,
		PolicyURL:     doc.URL,
		TimeZone:      doc.Hours.TimeZone,
		Now:           now,
	}
	if cal != nil {
		out.Now = now.In(cal.Location())
	}
	chs := doc.Channels
	for _, c := range []struct {
		name string
		ch   policy.Channel
	}{
		{"ticket", chs.Ticket}, {"chat", chs.Chat}, {"email", chs.Email}, {"phone", chs.Phone},
		{"social", chs.Social}, {"abuse", chs.Abuse}, {"legal", chs.Legal},
	} {
		st := channelStatus{
			Channel:   c.name,
			Enabled:   c.ch.Enabled,
			Preferred: c.ch.Preferred,
			Addresses: c.ch.Addresses,
			Hours:     c.ch.Hours,
		}
		if st.Addresses == nil {
			st.Addresses = []string{}
		}
		switch {
		case !c.ch.Enabled:
		case c.ch.Hours != "business":
			st.Open = true
		case cal == nil:
		case cal.OpenAt(now):
			st.Open = true
			until := cal.NextClose(now)
			st.OpenUntil = &until
		default:
			opens := cal.NextOpen(now)
			st.OpensAt = &opens
		}
		out.Channels = append(out.Channels, st)
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	respond.JSON(w, http.StatusOK, out)
	return nil
}
