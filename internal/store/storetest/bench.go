package storetest

import (
	"fmt"
	"sync/atomic"
	"testing"

	"destek/internal/desk"
)

// BenchmarkCreateTicket measures CreateTicket from parallel goroutines
// (b.RunParallel, GOMAXPROCS × -cpu goroutines; use b.SetParallelism to
// raise it). With newContact every ticket comes from a contact never seen
// before (a contact row and its audit event more); otherwise all tickets
// come from one of a few existing contacts. It reports tickets/s.
func BenchmarkCreateTicket(b *testing.B, s desk.Store, newContact bool) {
	b.Helper()
	create := benchSetup(b, s, newContact)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := create(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tickets/s")
}

// BenchmarkCreateTicketSerial measures CreateTicket from one goroutine: the
// latency of one call when nothing else is writing.
func BenchmarkCreateTicketSerial(b *testing.B, s desk.Store, newContact bool) {
	b.Helper()
	create := benchSetup(b, s, newContact)
	for range b.N {
		if err := create(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tickets/s")
}

// benchSetup creates the known contacts and returns a function that creates
// one ticket; it resets the benchmark timer.
func benchSetup(b *testing.B, s desk.Store, newContact bool) func() error {
	const known = 16
	for i := range known {
		tk := &desk.Ticket{Subject: "ısınma"}
		c := &desk.Contact{Channel: desk.ChannelEmail, Address: fmt.Sprintf("known%d@example.com", i)}
		if err := s.CreateTicket(agentCtx, tk, c, &desk.Message{Text: "ısınma"}, nil); err != nil {
			b.Fatal(err)
		}
	}
	var seq atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	return func() error {
		n := seq.Add(1)
		addr := fmt.Sprintf("known%d@example.com", n%known)
		if newContact {
			addr = fmt.Sprintf("musteri%d@example.com", n)
		}
		tk := &desk.Ticket{Subject: "Alan adı transferi için yetki kodu", PolicyVersion: 1}
		c := &desk.Contact{Channel: desk.ChannelEmail, Address: addr, Name: "Müşteri"}
		m := &desk.Message{Text: "Merhaba, alan adımı başka bir firmaya taşımak istiyorum. Transfer kodunu (EPP) gönderebilir misiniz? Şifremi de unuttum, İstanbul ofisinizi aradım ama ulaşamadım."}
		return s.CreateTicket(agentCtx, tk, c, m, nil)
	}
}
