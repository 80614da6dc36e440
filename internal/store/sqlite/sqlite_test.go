package sqlite_test

import (
	"testing"

	"destek/internal/desk"

	"destek/internal/store/storetest"
)

// TestConformanceSQLite runs the store conformance suite on SQLite.
func TestConformanceSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) desk.Store { return storetest.OpenSQLite(t) })
}
