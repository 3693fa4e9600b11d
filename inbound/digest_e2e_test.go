package inbound_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/inbound"
	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/notify"
)

// A real digest run gives the email a reply address, and answering it
// naming an invoice puts a question on that invoice for its vendor.
func TestDigestCarriesReplyTo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newReplyWorld(t, db)
		// Two weeks after the seeded digest, which told the payer its invoices
		// are overdue: within a week that alone is no reason to write (issue 11).
		w.now = time.Date(2026, 12, 15, 14, 0, 0, 0, time.UTC)
		r := bundler.NewRunner(bundler.Config{
			DB: db.Gorm, Payers: w.payers, Vendors: w.vendors,
			Senders: map[notify.Channel]notify.Sender{notify.Email: w.outbox},
			Links:   links.NewSigner("test-secret", "https://hub.example", func() time.Time { return w.now }),
			BaseURL: "https://hub.example", From: "reminders@duehub.example", FromName: "duehub",
			ReplyTo: w.store.DigestAddress, Now: func() time.Time { return w.now }, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
		if _, err := r.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		digests := w.outboxTo("ap@acme.example")
		if len(digests) != 1 {
			t.Fatalf("%d digests", len(digests))
		}
		addr := digests[0].Headers["Reply-To"]
		if addr == "" || addr == w.digestAddr {
			t.Fatalf("reply-to %q (the seeded digest's is %q)", addr, w.digestAddr)
		}
		e := w.email("html_only.eml", addr) // "Please hold invoice CF-88, …"
		if out := w.route(e); out.Status != inbound.StatusRouted {
			t.Fatalf("outcome %+v", out)
		}
		cf := w.threads(w.contoso)
		if len(cf) != 1 || cf[0].Invoice == nil || cf[0].Invoice.ExternalID != "CF-88" {
			t.Fatalf("contoso threads %+v", cf)
		}
		if n := len(w.threads(w.northwind)); n != 0 {
			t.Errorf("northwind got %d threads", n)
		}
	})
}
