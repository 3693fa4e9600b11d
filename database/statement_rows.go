package database

import "gorm.io/gorm"

// sqliteStatementParams bounds the parameters of one multi-row statement on
// SQLite. Its driver binds each value after searching the statement's
// arguments for it from the first, so a statement of n values costs n²/2
// steps before it runs: two statements of 500 invoice rows (16,000 values)
// took 64 million steps, most of a push's time in the CPU profile of
// BenchmarkPushInvoicesSQLite, and 500 ledger rows half of a planning pass.
// Statements of about 900 values cost a tenth of that or less.
const sqliteStatementParams = 900

// postgresStatementRows is enough rows to amortise a round trip while
// staying far below PostgreSQL's 65,535 parameters for rows of any width
// the hub writes.
const postgresStatementRows = 500

// RowsPerStatement is how many rows of columns values each one multi-row
// INSERT or UPDATE … FROM (VALUES …) should carry on tx's database. Every
// batched write goes through it, so the reason and the figures live in
// one place.
func RowsPerStatement(tx *gorm.DB, columns int) int {
	if tx.Dialector.Name() != "sqlite" {
		return postgresStatementRows
	}
	return max(1, sqliteStatementParams/max(1, columns))
}

// RowsPerStatementOf is RowsPerStatement for rows of model's gorm schema,
// counting its columns, so a field added to the model keeps the bound.
func RowsPerStatementOf(tx *gorm.DB, model any) int {
	stmt := &gorm.Statement{DB: tx}
	if err := stmt.Parse(model); err != nil {
		return RowsPerStatement(tx, 32) // unknown width: assume a wide row
	}
	return RowsPerStatement(tx, len(stmt.Schema.DBNames))
}
