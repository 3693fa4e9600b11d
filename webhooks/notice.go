package webhooks

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/vendors"
)

// notifyDisabled emails the vendor's support address that an endpoint was
// disabled, once: the notice is claimed first and given back if the email
// fails, for the periodic pass to try again.
func (d *Dispatcher) notifyDisabled(ctx context.Context, ep vendors.WebhookEndpoint) error {
	ok, err := d.cfg.Vendors.ClaimEndpointNotice(ctx, ep.VendorID, ep.ID)
	if err != nil || !ok {
		return err
	}
	if err := d.sendNotice(ctx, ep); err != nil {
		if notify.IsPermanent(err) {
			// Retrying will not help (an address the provider refuses): say so once.
			d.cfg.Log.Warn("cannot email the vendor's team about a disabled webhook endpoint",
				slog.String("endpoint", ep.PublicID), slog.Any("err", err))
			return nil
		}
		if rerr := d.cfg.Vendors.ReleaseEndpointNotice(ctx, ep.VendorID, ep.ID); rerr != nil {
			d.cfg.Log.Error("giving back an endpoint notice", slog.String("endpoint", ep.PublicID), slog.Any("err", rerr))
		}
		return fmt.Errorf("webhooks: email about disabled endpoint %s: %w", ep.PublicID, err)
	}
	return nil
}

func (d *Dispatcher) sendNotice(ctx context.Context, ep vendors.WebhookEndpoint) error {
	// Read it again: the reason is set by the transaction that disabled it.
	ep, err := d.cfg.Vendors.GetWebhookEndpoint(ctx, ep.VendorID, ep.PublicID)
	if err != nil {
		return err
	}
	v, err := d.cfg.Vendors.GetVendor(ctx, ep.VendorID)
	if err != nil {
		return err
	}
	log := d.cfg.Log.With(slog.Int64("vendor", v.ID), slog.String("endpoint", ep.PublicID))
	// The AR team's active members, else the vendor's support address.
	to, err := d.cfg.Vendors.TeamEmails(ctx, v.ID)
	if err != nil {
		return err
	}
	if len(to) == 0 || d.cfg.Mailer == nil {
		log.Warn("webhook endpoint disabled, and nobody to email about it")
		return nil
	}
	if _, err := d.cfg.Mailer.Send(ctx, disabledNotice(v, ep, to, d.cfg.MailFrom)); err != nil {
		return err
	}
	log.Info("vendor's team told about a disabled webhook endpoint")
	return nil
}

func disabledNotice(v vendors.Vendor, ep vendors.WebhookEndpoint, to []string, from string) notify.Message {
	var b strings.Builder
	fmt.Fprintf(&b, "Hello %s team,\n\n", v.Name)
	fmt.Fprintf(&b, "duehub has disabled your webhook endpoint %s\n\n    %s\n\n", ep.PublicID, ep.URL)
	fmt.Fprintf(&b, "because %s.\n\n", ep.DisabledReason)
	b.WriteString("No more events will be sent to it. Nothing is lost: every event stays readable with\n")
	b.WriteString("GET /v1/events, and the endpoint's delivery log (GET /v1/webhook-endpoints/" + ep.PublicID + "/deliveries)\n")
	b.WriteString("shows each attempt and its answer.\n\n")
	b.WriteString("Once your receiver answers 2xx again, enable the endpoint with POST /v1/webhook-endpoints/" + ep.PublicID + "\n")
	b.WriteString("and the body {\"disabled\": false}, then catch up on the events you missed from GET /v1/events.\n")
	return notify.Message{
		ID:      "webhook-disabled-" + ep.PublicID,
		Channel: notify.Email,
		From:    from,
		To:      to,
		Subject: "duehub: your webhook endpoint was disabled",
		Text:    b.String(),
	}
}
