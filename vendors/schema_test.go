package vendors

import (
	"testing"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

func TestMigratedSchemaHoldsEveryModel(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		dbtest.CheckColumns(t, db, &Vendor{}, &APIKey{}, &Customer{}, &Invoice{}, &CreditNote{}, &idempotencyKey{}, &Event{})
	})
}
