package vendors

import (
	"testing"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

func TestMigratedSchemaHoldsWebhookModels(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		dbtest.CheckColumns(t, db, &WebhookEndpoint{}, &WebhookDelivery{}, &WebhookAttempt{})
	})
}
