package email

import (
	"fmt"
	"net/smtp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"destek/internal/desk"
	"destek/internal/store/storetest"
)

// benchClients is the number of SMTP connections sending at once, as a
// busy relay in front of destek would open.
const benchClients = 16

// BenchmarkSMTPAccept measures messages accepted per second over real SMTP
// with durable acknowledgement: each 250 is sent only after the message is
// committed. The processor runs as in production, turning the messages into
// tickets at the same time on the same cores; "processed/s" is the rate
// from the first message sent to the last one made a ticket. The
// "accept_only" runs leave processing for later (as during a burst), which
// shows what the durable store alone costs.
//
//	go test -run - -bench SMTPAccept -benchtime 5000x ./internal/channel/email/
func BenchmarkSMTPAccept(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchSMTP(b, storetest.OpenSQLite(b), true) })
	b.Run("sqlite/accept_only", func(b *testing.B) { benchSMTP(b, storetest.OpenSQLite(b), false) })
	b.Run("postgres", func(b *testing.B) { benchSMTP(b, storetest.OpenPostgres(b), true) })
	b.Run("postgres/accept_only", func(b *testing.B) { benchSMTP(b, storetest.OpenPostgres(b), false) })
}

func benchSMTP(b *testing.B, s desk.Store, process bool) {
	e := startDesk(b, s, func(c *ServerConfig) {
		if !process {
			// Stored only: the processor's sweep comes after the run.
			c.Processor = nil
		}
	})
	body := strings.Repeat("Merhaba, alan adımın DNS kayıtları iki gündür güncellenmiyor; nameserver ayarlarını kontrol eder misiniz?\r\n", 15)
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for c := range benchClients {
		wg.Go(func() {
			cl, err := smtp.Dial(e.addr)
			if err != nil {
				b.Error(err)
				return
			}
			defer cl.Close()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				from := fmt.Sprintf("musteri%d@bench.example", c)
				raw := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: DNS %d\r\nMessage-ID: <bench-%d@bench.example>\r\nMIME-Version: 1.0\r\n"+
					"Content-Type: text/plain; charset=utf-8\r\n\r\n%s", from, supportAddr, i, i, body)
				if err := deliver(cl, from, supportAddr, raw); err != nil {
					failed.Add(1)
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	accepted := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/accepted.Seconds(), "msgs/s")
	if failed.Load() > 0 {
		b.Fatalf("%d deliveries failed", failed.Load())
	}
	if process {
		e.settleWithin(10 * time.Minute)
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "processed/s")
	}
}

// deliver sends one message on an open connection.
func deliver(c *smtp.Client, from, to, raw string) error {
	if err := c.Mail(from); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(raw)); err != nil {
		return err
	}
	return w.Close()
}
