package sqlite_test

import (
	"testing"

	"destek/internal/store/storetest"
)

// BenchmarkCreateTicket runs storetest.BenchmarkCreateTicket on SQLite with
// 8 goroutines per CPU (16 on two cores, the concurrency of the HTTP
// target), and the serial variant for the latency of one call.
func BenchmarkCreateTicket(b *testing.B) {
	b.Run("new_contact", func(b *testing.B) {
		b.SetParallelism(8)
		storetest.BenchmarkCreateTicket(b, storetest.OpenSQLite(b), true)
	})
	b.Run("existing_contact", func(b *testing.B) {
		b.SetParallelism(8)
		storetest.BenchmarkCreateTicket(b, storetest.OpenSQLite(b), false)
	})
	b.Run("serial_new_contact", func(b *testing.B) {
		storetest.BenchmarkCreateTicketSerial(b, storetest.OpenSQLite(b), true)
	})
}
