package privacy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
)

// ErrBackupExists means the backup file is there already: a backup never
// overwrites one.
var ErrBackupExists = errors.New("privacy: the backup file exists already")

// BackupSQLite writes a consistent copy of the open SQLite database to path
// with VACUUM INTO, while the hub keeps running: the copy is one
// transaction's snapshot, compacted, and can be opened as it is.
func BackupSQLite(ctx context.Context, db *sql.DB, path string) error {
	if _, err := os.Stat(path); err == nil {
		return ErrBackupExists
	}
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("privacy: backup: %w", err)
	}
	return nil
}
