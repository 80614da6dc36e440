package postgres_test

import (
	"testing"

	"destek/internal/desk"

	"destek/internal/store/storetest"
)

// TestConformancePostgres runs the store conformance suite on PostgreSQL
// when DESTEK_TEST_POSTGRES is set.
func TestConformancePostgres(t *testing.T) {
	storetest.SkipWithoutPostgres(t)
	storetest.Run(t, func(t *testing.T) desk.Store { return storetest.OpenPostgres(t) })
}
