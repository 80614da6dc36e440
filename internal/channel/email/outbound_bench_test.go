package email

import (
	"context"
	"fmt"
	"testing"

	"destek/internal/desk"
	"destek/internal/store/storetest"
)

// BenchmarkOutbox measures queueing replies with their mail (the agent's
// request) and delivering them through one worker to a relay on loopback,
// on SQLite and, when configured, PostgreSQL.
func BenchmarkOutbox(b *testing.B) {
	for _, db := range []struct {
		name string
		open func(testing.TB) desk.Store
	}{{"sqlite", storetest.OpenSQLite}, {"postgres", storetest.OpenPostgres}} {
		b.Run(db.name+"/queue_reply", func(b *testing.B) {
			e := newOutEnv(b, db.open(b), startRelay(b))
			tk := e.ticket("ayse@example.com", "Ayşe", "Talep", "yardım")
			b.ResetTimer()
			for i := range b.N {
				e.reply(tk, fmt.Sprintf("Yanıt %d: işleminiz tamamlandı.", i))
			}
		})
		b.Run(db.name+"/send", func(b *testing.B) {
			r := startRelay(b)
			e := newOutEnv(b, db.open(b), r)
			tk := e.ticket("ayse@example.com", "Ayşe", "Talep", "yardım")
			for i := range b.N {
				e.reply(tk, fmt.Sprintf("Yanıt %d: işleminiz tamamlandı.", i))
			}
			w := e.worker("bench", func(c *WorkerConfig) { c.Batch = 50 })
			b.ResetTimer()
			for len(r.messages()) < b.N {
				if _, err := w.Process(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "mails/s")
			b.ReportMetric(float64(w.Dialled()), "connections")
		})
	}
}
