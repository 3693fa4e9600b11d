package bundler_test

import (
	"testing"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

func TestMigratedSchemaHoldsTheLedger(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		dbtest.CheckColumns(t, db, &bundler.Entry{}, &bundler.Attempt{})
	})
}
