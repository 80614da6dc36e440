// Package store opens destek's store on the database a URL names: SQLite
// (the default, one file) or PostgreSQL (several nodes).
package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"destek/internal/desk"
	"destek/internal/store/postgres"
	"destek/internal/store/sqlite"
	"destek/internal/store/sqlstore"
)

// DefaultSQLiteFile is the file name of the SQLite database in the data
// directory when the URL is empty.
const DefaultSQLiteFile = "destek.db"

// Snippet marks around matched words in desk.SearchHit.Snippet.
const (
	MarkStart = sqlstore.MarkStart
	MarkEnd   = sqlstore.MarkEnd
)

// Open opens the store that url names; it does not migrate (call Migrate).
//
//   - "" : SQLite, the file destek.db in dataDir (created if missing)
//   - "sqlite:PATH": SQLite at PATH (relative paths are relative to the
//     working directory)
//   - "postgres://…" or "postgresql://…": PostgreSQL
func Open(ctx context.Context, url, dataDir string) (desk.Store, error) {
	switch {
	case url == "":
		if dataDir == "" {
			return nil, fmt.Errorf("store: no database URL and no data directory")
		}
		if err := os.MkdirAll(dataDir, 0o750); err != nil {
			return nil, fmt.Errorf("store: create data directory: %w", err)
		}
		return sqlite.Open(ctx, filepath.Join(dataDir, DefaultSQLiteFile))
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(url, "sqlite:")
		if path == "" {
			return nil, fmt.Errorf("store: %q names no file; use sqlite:PATH", url)
		}
		return sqlite.Open(ctx, path)
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return postgres.Open(ctx, url)
	}
	return nil, fmt.Errorf("store: unknown database URL %q; use sqlite:PATH or postgres://…", redact(url))
}

// redact hides what could be a password in a URL shown in an error.
func redact(url string) string {
	if i := strings.Index(url, "@"); i >= 0 {
		if j := strings.Index(url, "://"); j >= 0 && j < i {
			return url[:j+3] + "…" + url[i:]
		}
	}
	return url
}
