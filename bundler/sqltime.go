package bundler

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// sqlTime scans a timestamp that SQLite returns as text when it comes out
// of an expression (MAX(slot)) rather than a typed column.
type sqlTime struct{ time.Time }

var sqliteLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	time.RFC3339Nano,
	"2006-01-02 15:04:05",
}

func (t *sqlTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		t.Time = time.Time{}
		return nil
	case time.Time:
		t.Time = v.UTC()
		return nil
	case []byte:
		return t.Scan(string(v))
	case string:
		for _, l := range sqliteLayouts {
			if p, err := time.Parse(l, v); err == nil {
				t.Time = p.UTC()
				return nil
			}
		}
	}
	return fmt.Errorf("bundler: cannot read %T %v as a time", src, src)
}

// Value lets gorm treat sqlTime as a column type.
func (t sqlTime) Value() (driver.Value, error) { return t.Time, nil }
