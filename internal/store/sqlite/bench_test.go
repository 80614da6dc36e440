package sqlite_test

import (
	"testing"

	"destek/internal/store/storetest"
)

// BenchmarkCreateTicket runs CreateTicket with 16 goroutines per CPU... see
// storetest.BenchmarkCreateTicket; SetParallelism(8) on two cores gives the
// 16 concurrent callers the HTTP target assumes.
func BenchmarkCreateTicket(b *testing.B) {
	b.Run("new_contact", func(b *testing.B) {
		b.SetParallelism(8)
		storetest.BenchmarkCreateTicket(b, storetest.OpenSQLite(b), true)
	})
	b.Run("existing_contact", func(b *testing.B) {
		b.SetParallelism(8)
		storetest.BenchmarkCreateTicket(b, storetest.OpenSQLite(b), false)
	})
}
