package sqlite_test

import (
	"testing"

	"destek/internal/store/storetest"
)

// TestConformanceSQLite runs the store conformance suite on SQLite.
func TestConformanceSQLite(t *testing.T) {
	storetest.Run(t, storetest.OpenSQLite)
}
