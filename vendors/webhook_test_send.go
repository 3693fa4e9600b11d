package vendors

import (
	"context"
	"fmt"
)

// SendWebhookTestEvent queues a test event (EventWebhookTest) for one of the
// vendor's endpoints, whatever types it subscribes to, and returns its
// delivery. The delivery is sent, signed, retried and logged like any other,
// but no event is recorded: the test event is in no feed and reaches no
// other endpoint.
func (s *Store) SendWebhookTestEvent(ctx context.Context, vendorID int64, endpointID string) (DeliveryView, error) {
	ep, err := s.GetWebhookEndpoint(ctx, vendorID, endpointID)
	if err != nil {
		return DeliveryView{}, err
	}
	if ep.Status != EndpointEnabled {
		return DeliveryView{}, Invalid("endpoint", "is disabled ("+ep.DisabledReason+`): enable it first with {"disabled": false}`)
	}
	now := s.clock()
	d := WebhookDelivery{
		PublicID: "wd_" + randomBase62(24), VendorID: vendorID, EndpointID: ep.ID, TestEventID: "evt_test_" + randomBase62(24),
		Status: DeliveryPending, RetryFrom: now, NextAttemptAt: &now, CreatedAt: now, UpdatedAt: now,
	}
	// No event row: event_id stays NULL.
	if err := s.db.WithContext(ctx).Omit("EventID").Create(&d).Error; err != nil {
		return DeliveryView{}, fmt.Errorf("vendors: queue webhook test event: %w", err)
	}
	return DeliveryView{WebhookDelivery: d, EventType: EventWebhookTest}, nil
}
