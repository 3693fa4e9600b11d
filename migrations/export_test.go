package migrations

import (
	"context"
	"database/sql"
)

// UpToForTest applies the migrations up to version, for upgrade tests that
// fill an older schema first.
func UpToForTest(ctx context.Context, db *sql.DB, dialect Dialect, version int64) error {
	p, err := provider(ctx, db, dialect, nil)
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}
