package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/analytics"
	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// TestDemo runs `duehub demo` twice on one database, as a newcomer would,
// and checks what they would look at: digests in the outbox (one for the
// shared payer naming its vendors), a working API key and inbox link, and no
// duplicates after the second run.
func TestDemo(t *testing.T) {
	for name, dbURL := range map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "hub.db") },
		"postgres": func(t *testing.T) string { return dbtest.PostgresURL(t) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv("DUEHUB_SECRET", "") // the link must be signed with the database's secret
			ctx := context.Background()
			dbu := dbURL(t)
			const base = "http://hub.test:8080"
			args := []string{"demo", "--json", "--now", "2026-11-24T14:00:00Z", "--database-url", dbu, "--base-url", base}

			first := runDemo(t, ctx, args)
			if first.Vendors < 5 || first.Vendors > 8 || first.Payers != 40 || first.Invoices < 350 || first.Invoices > 450 || first.Credits == 0 {
				t.Fatalf("seeded %+v: want about 6 vendors, 40 payers, 400 invoices and some credits", first)
			}
			if first.DigestsSent == 0 || first.Pushed[vendors.ResultCreated] != first.Invoices+first.Credits {
				t.Fatalf("first run: %+v", first)
			}
			if first.OutboxURL != base+"/dev/outbox" {
				t.Fatalf("outbox_url %q", first.OutboxURL)
			}

			db, err := database.Open(ctx, dbu, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			sql := db.Gorm.WithContext(ctx)

			// A year of history fills the first vendor's analytics.
			vid, _ := strconv.ParseInt(first.VendorID, 10, 64)
			now := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
			rep, err := analytics.NewStore(db.Gorm, func() time.Time { return now }).Compute(ctx, vid,
				analytics.Period{From: civil.Of(now).AddDays(-364), To: civil.Of(now)})
			if err != nil {
				t.Fatal(err)
			}
			if first.History < 100 || len(rep.LatePaymentsByMonth) < 10 || rep.ResponseTime.FirstReply.Count < 5 ||
				len(rep.TopDisputeReasons) == 0 || len(rep.ResponseTime.Members) != 2 || rep.DSO[0].Value == nil {
				t.Fatalf("the demo's analytics are thin: %d history invoices, %+v", first.History, rep)
			}
			// The past year's digests carried the history: some of it was
			// paid within a week of one, with clicks on Pay.
			if re := rep.ReminderEffect; re.Digests < 20 || re.Invoices < 20 || re.PaidWithin7Days == 0 || re.PaidWithin7Days == re.Invoices ||
				re.PayClicks == 0 || re.ClicksPerDigest == nil {
				t.Fatalf("the demo's reminder effect is empty: %+v", re)
			}

			var messages []struct{ Subject, TextBody string }
			sql.Raw(`SELECT subject, text_body FROM outbox_messages WHERE channel = 'email' AND to_addrs LIKE ?`,
				`%"`+demoSharedEmail+`"%`).Scan(&messages)
			if len(messages) != 1 {
				t.Fatalf("%d digests to %s in the outbox, want 1", len(messages), demoSharedEmail)
			}
			var named []string
			for _, v := range demoVendors {
				if strings.Contains(messages[0].TextBody, v.Name) {
					named = append(named, v.Name)
				}
			}
			if len(named) < 4 {
				t.Fatalf("the shared payer's digest %q names only %v", messages[0].Subject, named)
			}

			var currencies []string
			sql.Raw(`SELECT DISTINCT currency FROM invoices ORDER BY currency`).Scan(&currencies)
			for _, c := range []string{"EUR", "GBP", "JPY", "USD"} {
				if !strings.Contains(strings.Join(currencies, ","), c) {
					t.Errorf("no %s invoice among %v", c, currencies)
				}
			}
			var spread struct{ MinDue, MaxDue string }
			sql.Raw(`SELECT MIN(due_date) AS min_due, MAX(due_date) AS max_due FROM invoices WHERE external_id NOT LIKE 'H-%'`).Scan(&spread)
			if spread.MinDue[:10] < "2026-09-25" || spread.MaxDue[:10] > "2027-01-08" || spread.MaxDue[:10] < "2026-12-16" {
				t.Errorf("due dates run from %s to %s: want from 60 days overdue to about 45 days ahead", spread.MinDue, spread.MaxDue)
			}
			var closed int64
			sql.Raw(`SELECT COUNT(*) FROM invoices WHERE status IN ('paid', 'void') AND external_id NOT LIKE 'H-%'`).Scan(&closed)
			if closed == 0 {
				t.Error("no paid or void invoice")
			}

			store := vendors.NewStore(db.Gorm, payers.NewStore(db.Gorm, time.Now), time.Now)
			key, err := store.Authenticate(ctx, first.APIKey)
			if err != nil || key.VendorID == 0 || first.VendorID != strconv.FormatInt(key.VendorID, 10) {
				t.Fatalf("api_key %q does not authenticate vendor %s: %v", first.APIKey, first.VendorID, err)
			}

			secret, _, err := db.Secret(ctx)
			if err != nil {
				t.Fatal(err)
			}
			token, ok := strings.CutPrefix(first.PortalURL, base+"/l/")
			if !ok {
				t.Fatalf("portal_url %q is not a link of %s", first.PortalURL, base)
			}
			claims, err := links.NewSigner(secret, base, time.Now).Parse(token)
			if err != nil {
				t.Fatalf("portal_url does not verify: %v", err)
			}
			var shared int64
			sql.Raw(`SELECT id FROM payers WHERE key = ?`, "email:"+demoSharedEmail).Scan(&shared)
			var digestPayer int64
			sql.Raw(`SELECT payer_id FROM digests WHERE id = ? AND status = 'sent'`, claims.DigestID).Scan(&digestPayer)
			if claims.PayerID() != shared || claims.Action != links.ActionInbox || digestPayer != shared {
				t.Fatalf("portal_url is for payer %d (digest %d of payer %d, action %s), want the shared payer %d",
					claims.PayerID(), claims.DigestID, digestPayer, claims.Action, shared)
			}

			second := runDemo(t, ctx, args)
			if second.Pushed[vendors.ResultUnchanged] != first.Invoices+first.Credits || second.DigestsSent != 0 {
				t.Fatalf("second run: %+v, want everything unchanged and nothing sent again", second)
			}
			counts := map[string]int64{}
			for _, table := range []string{"vendors", "payers", "invoices", "credit_notes", "outbox_messages"} {
				var n int64
				sql.Table(table).Count(&n)
				counts[table] = n
			}
			if counts["vendors"] != int64(first.Vendors) || counts["payers"] != 40 || counts["invoices"] != int64(first.Invoices+first.History) ||
				counts["credit_notes"] != int64(first.Credits) || counts["outbox_messages"] != int64(first.DigestsSent) {
				t.Fatalf("after two runs the database holds %v", counts)
			}
			if second.APIKey == first.APIKey || second.VendorID != first.VendorID {
				t.Fatalf("second run's key: vendor %s, same key %v", second.VendorID, second.APIKey == first.APIKey)
			}
		})
	}
}

func runDemo(t *testing.T, ctx context.Context, args []string) demoOutput {
	t.Helper()
	code, out, errOut := duehub(ctx, args...)
	if code != 0 {
		t.Fatalf("duehub %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	var got demoOutput
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("demo --json printed %q: %v", out, err)
	}
	return got
}

func TestDemoRefusesRealProviders(t *testing.T) {
	t.Setenv("DUEHUB_EMAIL", "sendgrid")
	t.Setenv("DUEHUB_SENDGRID_API_KEY", "SG.test")
	code, _, errOut := duehub(context.Background(), "demo", "--database-url", filepath.Join(t.TempDir(), "hub.db"))
	if code != 2 || !strings.Contains(errOut, "DUEHUB_EMAIL") {
		t.Fatalf("demo with SendGrid configured: exit %d, %q; want 2 naming DUEHUB_EMAIL", code, errOut)
	}
}

// TestDemoNow checks the default time the demo runs as of: a Tuesday 14:00
// UTC, when that day's 09:00 UTC window (the default rhythm) is open and
// not stale.
func TestDemoNow(t *testing.T) {
	for _, c := range []struct{ now, want string }{
		{"2026-11-24T15:30:00Z", "2026-11-24T14:00:00Z"}, // Tuesday afternoon: that day
		{"2026-11-24T09:30:00Z", "2026-11-24T14:00:00Z"}, // Tuesday morning: a few hours ahead
		{"2026-11-24T08:00:00Z", "2026-11-17T14:00:00Z"}, // before the window: the Tuesday before
		{"2026-11-22T10:00:00Z", "2026-11-17T14:00:00Z"}, // Sunday: last Tuesday
		{"2026-11-23T10:00:00+05:00", "2026-11-17T14:00:00Z"},
	} {
		now, _ := time.Parse(time.RFC3339, c.now)
		if got := demoNow(now).Format(time.RFC3339); got != c.want {
			t.Errorf("demoNow(%s) = %s, want %s", c.now, got, c.want)
		}
	}
}
