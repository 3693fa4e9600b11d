package privacy

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// Column is one text column of one table.
type Column struct {
	Table, Name string
	// JSON columns (PostgreSQL json/jsonb) are read and written as text.
	JSON bool
}

// TextColumns lists every text-like column of every table of the schema
// the hub runs in: text, varchar, json and jsonb on PostgreSQL; columns
// declared TEXT, CHAR, CLOB, JSON or without a type on SQLite.
func TextColumns(ctx context.Context, db *gorm.DB) ([]Column, error) {
	db = db.WithContext(ctx)
	var out []Column
	if db.Dialector.Name() == "postgres" {
		var rows []struct{ TableName, ColumnName, DataType string }
		err := db.Raw(`SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
WHERE c.table_schema = current_schema() AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')
ORDER BY c.table_name, c.ordinal_position`).Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("privacy: text columns: %w", err)
		}
		for _, r := range rows {
			out = append(out, Column{Table: r.TableName, Name: r.ColumnName, JSON: strings.HasPrefix(r.DataType, "json")})
		}
		return out, nil
	}
	var tables []string
	if err := db.Raw(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).
		Scan(&tables).Error; err != nil {
		return nil, fmt.Errorf("privacy: tables: %w", err)
	}
	for _, t := range tables {
		var cols []struct{ Name, Type string }
		if err := db.Raw(`SELECT name, type FROM pragma_table_info(?)`, t).Scan(&cols).Error; err != nil {
			return nil, fmt.Errorf("privacy: columns of %s: %w", t, err)
		}
		for _, c := range cols {
			ty := strings.ToUpper(c.Type)
			if ty == "" || strings.Contains(ty, "TEXT") || strings.Contains(ty, "CHAR") || strings.Contains(ty, "CLOB") || strings.Contains(ty, "JSON") {
				out = append(out, Column{Table: t, Name: c.Name})
			}
		}
	}
	return out, nil
}

// quote quotes an identifier for both dialects.
func quote(id string) string { return `"` + strings.ReplaceAll(id, `"`, `""`) + `"` }
