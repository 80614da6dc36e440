package postgres_test

import (
	"testing"

	"destek/internal/store/storetest"
)

// BenchmarkCreateTicket runs storetest.BenchmarkCreateTicket on PostgreSQL
// when DESTEK_TEST_POSTGRES is set, with 8 goroutines per CPU, and the
// serial variant.
func BenchmarkCreateTicket(b *testing.B) {
	storetest.SkipWithoutPostgres(b)
	b.Run("new_contact", func(b *testing.B) {
		b.SetParallelism(8)
		storetest.BenchmarkCreateTicket(b, storetest.OpenPostgres(b), true)
	})
	b.Run("existing_contact", func(b *testing.B) {
		b.SetParallelism(8)
		storetest.BenchmarkCreateTicket(b, storetest.OpenPostgres(b), false)
	})
	b.Run("serial_new_contact", func(b *testing.B) {
		storetest.BenchmarkCreateTicketSerial(b, storetest.OpenPostgres(b), true)
	})
}
