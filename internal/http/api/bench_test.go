package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"destek/internal/desk"
)

// BenchmarkCreateTicket measures POST /api/v1/tickets through real HTTP with
// a bearer token on SQLite: decoding, authentication (the token cache), the
// store's transaction, encoding.
func BenchmarkCreateTicket(b *testing.B) {
	e := newEnv(b)
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := &http.Client{}
		for pb.Next() {
			i := n.Add(1)
			body, _ := json.Marshal(ticketBody(fmt.Sprintf("bench-%d@example.com", i%100)))
			req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/tickets", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+e.tokens[desk.RoleAgent])
			res, err := c.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusCreated {
				b.Fatalf("status %d", res.StatusCode)
			}
		}
	})
}
