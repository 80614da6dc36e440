package postgres_test

import (
	"testing"

	"destek/internal/store/storetest"
)

// TestConformancePostgres runs the store conformance suite on PostgreSQL
// when DESTEK_TEST_POSTGRES is set.
func TestConformancePostgres(t *testing.T) {
	storetest.SkipWithoutPostgres(t)
	storetest.Run(t, storetest.OpenPostgres)
}
