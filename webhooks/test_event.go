package webhooks

import (
	"encoding/json"

	"github.com/duehub/duehub/vendors"
)

// testEventData is the data of a test event: which endpoint it tests.
type testEventData struct {
	EndpointID string `json:"endpoint_id"`
	Message    string `json:"message"`
}

// TestEventOf returns the test event a test delivery carries. It is built
// from the delivery row alone, so every attempt sends the same body.
func TestEventOf(d vendors.WebhookDelivery, ep vendors.WebhookEndpoint) Event {
	data, _ := json.Marshal(testEventData{
		EndpointID: ep.PublicID,
		Message:    "A test event sent on request: this endpoint receives and can verify duehub's signed events.",
	})
	return Event{ID: d.TestEventID, Type: vendors.EventWebhookTest, CreatedAt: d.CreatedAt.UTC(), Data: data}
}
