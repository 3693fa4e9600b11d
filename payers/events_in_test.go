package payers

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/vendors"
)

// testDigest is a digest ledger row as the bundler leaves it once sent.
type testDigest struct {
	ID         int64
	PayerID    int64
	Channel    string
	Slot       time.Time
	Status     string
	Recipients string
	ProviderID string
	Delivery   string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

func (testDigest) TableName() string { return "digests" }

// seedDigest links a payer for the contact and writes a sent digest for it.
func seedDigest(t *testing.T, db *database.DB, s *Store, channel, providerID, recipients string, slot time.Time) int64 {
	t.Helper()
	d := testDigest{Channel: channel, Slot: slot, Status: "sent", Recipients: recipients, ProviderID: providerID,
		CreatedAt: slot, UpdatedAt: slot}
	err := db.Gorm.Transaction(func(tx *gorm.DB) error {
		ids, err := s.LinkPayers(context.Background(), tx, []vendors.PayerContact{{Email: "ap@acme.example", Phone: "+15551230000"}})
		if err != nil {
			return err
		}
		d.PayerID = ids[0]
		return tx.Create(&d).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	return d.ID
}

func deliveryOf(t *testing.T, db *database.DB, id int64) string {
	t.Helper()
	var d testDigest
	if err := db.Gorm.Where("id = ?", id).Take(&d).Error; err != nil {
		t.Fatal(err)
	}
	return d.Delivery
}

func suppressions(t *testing.T, db *database.DB) map[string]string {
	t.Helper()
	var rows []Suppression
	if err := db.Gorm.Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Channel+":"+r.Address] = r.Reason
	}
	return out
}

func countRows(t *testing.T, db *database.DB, table string) int64 {
	t.Helper()
	var n int64
	if err := db.Gorm.Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestApplyEmailEvents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
		s := NewStore(db.Gorm, func() time.Time { return now })
		byMessageID := seedDigest(t, db, s, "email", "xmsg-1", "ap@acme.example", now)
		byProviderID := seedDigest(t, db, s, "email", "xmsg-2", "ap@acme.example", now.Add(time.Hour))
		bounced := seedDigest(t, db, s, "email", "xmsg-3", "ap@acme.example", now.Add(2*time.Hour))

		ev := func(id, typ, email string, edits ...func(*EmailEvent)) EmailEvent {
			e := EmailEvent{Provider: "sendgrid", EventID: id, Type: typ, Email: email,
				MessageID: fmt.Sprintf("digest-%d", byMessageID), ProviderMessageID: "xmsg-1"}
			for _, f := range edits {
				f(&e)
			}
			return e
		}
		events := []EmailEvent{
			ev("e1", "processed", "ap@acme.example"),
			ev("e2", "deferred", "ap@acme.example"),
			ev("e3", "open", "ap@acme.example"),
			// Out of order: delivered after open must not move the digest back.
			ev("e4", "delivered", "ap@acme.example"),
			// No custom arg (e.g. sent before it existed): found by SendGrid's id.
			ev("e5", "delivered", "ap@acme.example", func(e *EmailEvent) { e.MessageID, e.ProviderMessageID = "", "xmsg-2" }),
			ev("e6", "bounce", " Gone@Acme.Example ", func(e *EmailEvent) {
				e.MessageID, e.BounceType, e.Reason = fmt.Sprintf("digest-%d", bounced), "bounce", "550 5.1.1 no such user"
			}),
			ev("e7", "bounce", "blocked@acme.example", func(e *EmailEvent) { e.BounceType = "blocked" }),
			ev("e8", "spamreport", "angry@acme.example"),
			ev("e9", "unsubscribe", "leaver@acme.example"),
			ev("e10", "group_unsubscribe", "group@acme.example"),
			ev("e11", "dropped", "old@acme.example", func(e *EmailEvent) { e.Reason = "Bounced Address" }),
			ev("e12", "dropped", "fine@acme.example", func(e *EmailEvent) { e.Reason = "Spam Content" }),
			ev("e13", "dropped", "bad@acme.example", func(e *EmailEvent) { e.Reason = "Invalid" }),
			// An event for a message that is not a digest still suppresses.
			ev("e14", "spamreport", "stranger@acme.example", func(e *EmailEvent) { e.MessageID, e.ProviderMessageID = "other-1", "nope" }),
		}
		applied, err := s.ApplyEmailEvents(ctx, events)
		if err != nil {
			t.Fatal(err)
		}
		if applied != len(events) {
			t.Errorf("applied = %d, want %d", applied, len(events))
		}
		want := map[string]string{
			"email:gone@acme.example":     SuppressBounce,
			"email:angry@acme.example":    SuppressComplaint,
			"email:leaver@acme.example":   SuppressUnsubscribe,
			"email:group@acme.example":    SuppressUnsubscribe,
			"email:old@acme.example":      SuppressBounce,
			"email:bad@acme.example":      SuppressInvalid,
			"email:stranger@acme.example": SuppressComplaint,
		}
		got := suppressions(t, db)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("suppressions = %v\nwant %v", got, want)
		}
		for id, want := range map[int64]string{byMessageID: DeliveryComplained, byProviderID: DeliveryDelivered, bounced: DeliveryBounced} {
			if got := deliveryOf(t, db, id); got != want {
				t.Errorf("digest %d delivery = %q, want %q", id, got, want)
			}
		}
		if n := countRows(t, db, "provider_events"); n != int64(len(events)) {
			t.Errorf("provider_events = %d, want %d", n, len(events))
		}

		// SendGrid delivers at least once: the same events again change nothing,
		// even after a START-like lift of a suppression in between.
		if err := s.Unsuppress(ctx, "email", "gone@acme.example"); err != nil {
			t.Fatal(err)
		}
		applied, err = s.ApplyEmailEvents(ctx, events)
		if err != nil || applied != 0 {
			t.Fatalf("replay applied %d, %v; want 0", applied, err)
		}
		if _, ok := suppressions(t, db)["email:gone@acme.example"]; ok {
			t.Error("a replayed bounce suppressed the address again")
		}
		if n := countRows(t, db, "provider_events"); n != int64(len(events)) {
			t.Errorf("provider_events after replay = %d, want %d", n, len(events))
		}
	})
}

func TestApplySMSStatus(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
		s := NewStore(db.Gorm, func() time.Time { return now })
		ok := seedDigest(t, db, s, "sms", "SM0001", "+15551230000", now)
		stopped := seedDigest(t, db, s, "sms", "SM0002", "+15559870000", now.Add(time.Hour))

		for _, c := range [][3]string{
			{"SM0001", "sent", ""},
			{"SM0001", "delivered", ""},
			{"SM0001", "sent", ""}, // late and intermediate: ignored
			{"SM0002", "failed", "21610"},
			{"SM9999", "failed", "21610"}, // not a digest of ours
		} {
			if err := s.ApplySMSStatus(ctx, c[0], c[1], c[2]); err != nil {
				t.Fatal(err)
			}
		}
		if got := deliveryOf(t, db, ok); got != DeliveryDelivered {
			t.Errorf("delivery = %q, want delivered", got)
		}
		if got := deliveryOf(t, db, stopped); got != DeliveryFailed {
			t.Errorf("delivery = %q, want failed", got)
		}
		want := map[string]string{"sms:+15559870000": SuppressSMSStop}
		if got := suppressions(t, db); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("suppressions = %v, want %v", got, want)
		}

		// The payer texts START; a replay of the old callback must not undo it.
		if err := s.ApplyInboundSMS(ctx, "SMin1", "+15559870000", "start"); err != nil {
			t.Fatal(err)
		}
		if err := s.ApplySMSStatus(ctx, "SM0002", "failed", "21610"); err != nil {
			t.Fatal(err)
		}
		if got := suppressions(t, db); len(got) != 0 {
			t.Errorf("replayed 21610 suppressed again: %v", got)
		}
	})
}

func TestApplyInboundSMS(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		s := NewStore(db.Gorm, time.Now)
		const from = "+15551230000"
		step := func(sid, keyword string, wantSuppressed bool) {
			t.Helper()
			if err := s.ApplyInboundSMS(ctx, sid, from, keyword); err != nil {
				t.Fatal(err)
			}
			reason, suppressed := suppressions(t, db)["sms:"+from]
			if suppressed != wantSuppressed {
				t.Fatalf("after %s %q: suppressed = %v, want %v", sid, keyword, suppressed, wantSuppressed)
			}
			if suppressed && reason != SuppressSMSStop {
				t.Fatalf("reason = %q", reason)
			}
		}
		step("SM1", "help", false)
		step("SM2", "", false)
		step("SM3", "stop", true)
		step("SM3", "stop", true) // Twilio's retry
		step("SM4", "start", false)
		step("SM3", "stop", false) // a replayed STOP does not undo the START
		step("SM5", "stop", true)
		step("SM4", "start", true) // nor a replayed START a later STOP
		if n := countRows(t, db, "provider_events"); n != 3 {
			t.Errorf("provider_events = %d, want 3 (keywords only)", n)
		}
	})
}

func TestSuppressionTellsTheVendorsOfThatAddress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		now := func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) }
		ps := NewStore(db.Gorm, now)
		vs := vendors.NewStore(db.Gorm, ps, now)
		a, _ := vs.CreateVendor(ctx, vendors.NewVendor{Name: "A"})
		b, _ := vs.CreateVendor(ctx, vendors.NewVendor{Name: "B"})
		c, _ := vs.CreateVendor(ctx, vendors.NewVendor{Name: "C"})
		amount := int64(100)
		for _, v := range []struct {
			id       int64
			customer string
			email    string
		}{{a.ID, "A-ACME", "ap@acme.example"}, {b.ID, "B-ACME", "ap@acme.example"}, {c.ID, "C-OTHER", "ap@other.example"}} {
			vs.PushInvoices(ctx, v.id, []vendors.InvoiceInput{{ExternalID: "I", Currency: "USD", AmountDue: &amount, DueDate: "2026-12-01",
				Customer: vendors.CustomerInput{ExternalID: v.customer, Email: v.email}}})
		}
		if err := ps.Suppress(ctx, "email", "ap@acme.example", SuppressBounce, "550 no such user"); err != nil {
			t.Fatal(err)
		}
		ps.Suppress(ctx, "email", "ap@acme.example", SuppressBounce, "again") // already suppressed: no second event
		for _, v := range []struct {
			id   int64
			want string
		}{{a.ID, "A-ACME"}, {b.ID, "B-ACME"}} {
			evs, _ := vs.Events(ctx, v.id, 0, 10)
			if len(evs) != 1 || evs[0].Type != vendors.EventContactBounced || !strings.Contains(evs[0].Payload, v.want) {
				t.Fatalf("vendor %d events: %+v", v.id, evs)
			}
			if strings.Contains(evs[0].Payload, "A-ACME") && strings.Contains(evs[0].Payload, "B-ACME") {
				t.Fatal("one vendor's event names another vendor's customer")
			}
		}
		if evs, _ := vs.Events(ctx, c.ID, 0, 10); len(evs) != 0 {
			t.Fatalf("a vendor without that address was told: %+v", evs)
		}
		ps.Suppress(ctx, "email", "ap@other.example", SuppressUnsubscribe, "")
		if evs, _ := vs.Events(ctx, c.ID, 0, 10); len(evs) != 1 || evs[0].Type != vendors.EventContactUnsubscribe {
			t.Fatalf("unsubscribe event: %+v", evs)
		}
	})
}
