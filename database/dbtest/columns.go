package dbtest

import (
	"testing"

	"github.com/duehub/duehub/database"
)

// CheckColumns fails the test when a gorm model has a field whose column the
// migrated schema lacks: the migrations and the Go types must agree.
func CheckColumns(t *testing.T, db *database.DB, models ...any) {
	t.Helper()
	m := db.Gorm.Migrator()
	for _, model := range models {
		stmt := db.Gorm.Model(model).Statement
		if err := stmt.Parse(model); err != nil {
			t.Fatalf("parse %T: %v", model, err)
		}
		if !m.HasTable(model) {
			t.Errorf("%T: table %s does not exist", model, stmt.Schema.Table)
			continue
		}
		for _, f := range stmt.Schema.Fields {
			if f.DBName == "" {
				continue
			}
			if !m.HasColumn(model, f.DBName) {
				t.Errorf("%T: column %s.%s does not exist", model, stmt.Schema.Table, f.DBName)
			}
		}
	}
}
