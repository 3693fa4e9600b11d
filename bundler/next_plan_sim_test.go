package bundler_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// TestNextPlanMatchesFullScan runs two hubs side by side for four and a
// half simulated days, with the same payers (six timezones including
// half-hour and 45-minute offsets, every cadence, SMS and email) and the
// same random writes between passes: pushes, payments, promises with an
// end, releases, pauses, mutes, schedule and policy changes, suppressions,
// portal actions, SMS consent, learned rhythms, the urgent opt-out, vendors'
// answers and payers' replies. One plans from next_plan_at; the other
// decides every payer owing something at every pass, as the planner did
// before next_plan_at (OtherClock). Passes come every 3 to 17 minutes. After
// each pass both ledgers must hold the same digests, slot for slot and
// status for status: next_plan_at may skip a payer only while its decision
// cannot change.
func TestNextPlanMatchesFullScan(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 11, 22, 18, 0, 0, 0, time.UTC) // a Sunday evening
	nets := []*network{newNetwork(t, dbtest.SQLite(t), start), newNetwork(t, dbtest.SQLite(t), start)}
	rng := rand.New(rand.NewPCG(10, 1))
	zones := []string{"UTC", "America/New_York", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham", "Australia/Lord_Howe"}
	cadences := []string{"rhythm", "rhythm", "smart", "weekly", "daily", "payment_run"}
	var vs []int64
	for i := range 3 {
		for _, n := range nets {
			id := n.vendor(fmt.Sprintf("Vendor %d", i), "")
			if len(vs) <= i {
				vs = append(vs, id)
			}
		}
	}
	// exec runs one write on both hubs.
	exec := func(sql string, args ...any) {
		t.Helper()
		for _, n := range nets {
			if err := n.db.Gorm.Exec(sql, args...).Error; err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
		}
	}
	day := func(d int) string { return start.AddDate(0, 0, d).Format("2006-01-02") }
	pushes := 0
	push := func(payer int, due string) {
		pushes++
		id := fmt.Sprintf("I-%d", pushes)
		for _, n := range nets {
			n.push(vs[payer%len(vs)], id, fmt.Sprintf("p%d@sim.example", payer), due, int64(100+pushes),
				func(in *vendors.InvoiceInput) {
					if payer%4 == 0 {
						in.Customer.Phone, in.Customer.SMSConsent = fmt.Sprintf("+1555000%04d", payer), true
						in.Customer.SMSConsentSource = "signed form"
					}
				})
		}
	}
	schedule := func(payer int) {
		prefs := payers.Preferences{Timezone: zones[rng.IntN(len(zones))], Cadence: cadences[rng.IntN(len(cadences))],
			Weekday: rng.IntN(7), RunDays: []int{1 + rng.IntN(28), 23 + rng.IntN(9)}, SendHour: rng.IntN(24),
			SendMinute: 5 * rng.IntN(12), MinIntervalHours: []int{0, 24, 72}[rng.IntN(3)], EmailEnabled: true, SMSEnabled: true}
		if prefs.Cadence == "daily" && prefs.MinIntervalHours > 24 {
			prefs.MinIntervalHours = 24
		}
		for _, n := range nets {
			p, err := n.payers.FindByEmail(ctx, fmt.Sprintf("p%d@sim.example", payer))
			if err != nil {
				t.Fatal(err)
			}
			if err := n.payers.UpdatePreferences(ctx, p.ID, prefs); err != nil {
				t.Fatal(err)
			}
		}
	}
	const payerCount = 36
	for p := range payerCount {
		for range 1 + rng.IntN(3) {
			push(p, day(rng.IntN(45)-20))
		}
		schedule(p)
	}
	ids := func(sql string) []int64 {
		var out []int64
		if err := nets[0].db.Gorm.Raw(sql).Scan(&out).Error; err != nil {
			t.Fatal(err)
		}
		return out
	}
	pick := func(sql string) (int64, bool) {
		all := ids(sql)
		if len(all) == 0 {
			return 0, false
		}
		return all[rng.IntN(len(all))], true
	}
	// mutate makes one random write, as of now, and says what it did.
	mutate := func(now time.Time) string {
		payer := int64(1 + rng.IntN(payerCount))
		switch k := rng.IntN(15); k {
		case 0:
			p := rng.IntN(payerCount)
			due := day(int(now.Sub(start).Hours()/24) + rng.IntN(30) - 10)
			push(p, due)
			return fmt.Sprintf("push to p%d due %s", p, due)
		case 1:
			if id, ok := pick(`SELECT id FROM invoices WHERE status = 'open'`); ok {
				exec(`UPDATE invoices SET status = 'paid', amount_remaining = 0 WHERE id = ?`, id)
				return fmt.Sprintf("invoice %d paid", id)
			}
		case 2:
			if id, ok := pick(`SELECT id FROM invoices WHERE status = 'open'`); ok {
				until := now.Add(time.Duration(rng.IntN(72*60)) * time.Minute)
				exec(`INSERT INTO holds (payer_id, vendor_id, invoice_id, kind, until, created_at)
					SELECT c.payer_id, i.vendor_id, i.id, 'promise', ?, ? FROM invoices i JOIN customers c ON c.id = i.customer_id
					WHERE i.id = ?`, until, now, id)
				return fmt.Sprintf("invoice %d promised until %s", id, until.Format(time.RFC3339))
			}
		case 3:
			if id, ok := pick(`SELECT id FROM holds WHERE released_at IS NULL`); ok {
				exec(`UPDATE holds SET released_at = ? WHERE id = ?`, now, id)
				return fmt.Sprintf("hold %d released", id)
			}
		case 4:
			until := now.Add(time.Duration(30+rng.IntN(48*60)) * time.Minute)
			exec(`UPDATE payers SET paused_until = ? WHERE id = ?`, until, payer)
			return fmt.Sprintf("payer %d paused until %s", payer, until.Format(time.RFC3339))
		case 5:
			exec(`UPDATE payers SET paused_until = NULL WHERE id = ?`, payer)
			return fmt.Sprintf("payer %d unpaused", payer)
		case 6:
			v := vs[rng.IntN(len(vs))]
			exec(`INSERT INTO payer_mutes (payer_id, vendor_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, payer, v, now)
			return fmt.Sprintf("payer %d muted vendor %d", payer, v)
		case 7:
			exec(`DELETE FROM payer_mutes WHERE payer_id = ?`, payer)
			return fmt.Sprintf("payer %d unmuted", payer)
		case 8:
			p := rng.IntN(payerCount)
			schedule(p)
			return fmt.Sprintf("p%d changed schedule", p)
		case 9:
			addr := fmt.Sprintf("p%d@sim.example", rng.IntN(payerCount))
			exec(`INSERT INTO suppressions (channel, address, reason, created_at) VALUES ('email', ?, 'bounce', ?) ON CONFLICT DO NOTHING`, addr, now)
			return "suppressed " + addr
		case 10:
			exec(`DELETE FROM suppressions WHERE id IN (SELECT MIN(id) FROM suppressions)`)
			return "oldest suppression lifted"
		case 11:
			v := vs[rng.IntN(len(vs))]
			offsets := []string{"-7,0,3,7", "0", "-3,1", "-14,-1,2,5"}[rng.IntN(4)]
			exec(`UPDATE vendors SET reminder_offsets = ?, reminder_repeat_days = ? WHERE id = ?`, offsets, 1+rng.IntN(7), v)
			return fmt.Sprintf("vendor %d policy %s", v, offsets)
		case 12:
			if rng.IntN(2) == 0 {
				exec(`UPDATE payers SET last_action_at = ? WHERE id = ?`, now, payer)
				return fmt.Sprintf("payer %d acted in the portal", payer)
			}
			if id, ok := pick(`SELECT id FROM customers WHERE phone <> ''`); ok {
				exec(`UPDATE customers SET sms_consent = NOT sms_consent WHERE id = ?`, id)
				return fmt.Sprintf("customer %d consent toggled", id)
			}
		case 13:
			switch rng.IntN(3) {
			case 0:
				wd, h := rng.IntN(7), rng.IntN(24)
				exec(`UPDATE payers SET rhythm_weekday = ?, rhythm_hour = ? WHERE id = ?`, wd, h, payer)
				return fmt.Sprintf("payer %d rhythm learned: day %d %02d:00", payer, wd, h)
			case 1:
				exec(`UPDATE payers SET rhythm_weekday = NULL, rhythm_hour = NULL WHERE id = ?`, payer)
				return fmt.Sprintf("payer %d rhythm forgotten", payer)
			}
			exec(`UPDATE payers SET urgent_enabled = NOT urgent_enabled WHERE id = ?`, payer)
			return fmt.Sprintf("payer %d urgent toggled", payer)
		case 14:
			// A vendor answers a question on an open invoice (a reason to
			// write), or the payer replies to the latest answer (which
			// ends its wait).
			if rng.IntN(3) > 0 {
				if id, ok := pick(`SELECT id FROM invoices WHERE status = 'open'`); ok {
					exec(`INSERT INTO threads (vendor_id, payer_id, invoice_id, kind, state, created_at, updated_at)
						SELECT i.vendor_id, c.payer_id, i.id, 'question', 'answered', ?, ? FROM invoices i
						JOIN customers c ON c.id = i.customer_id WHERE i.id = ?`, now, now, id)
					exec(`INSERT INTO thread_messages (thread_id, author, body, created_at)
						SELECT MAX(id), 'vendor', 'Answered.', ? FROM threads`, now)
					return fmt.Sprintf("invoice %d answered", id)
				}
			} else if id, ok := pick(`SELECT id FROM threads`); ok {
				exec(`INSERT INTO thread_messages (thread_id, author, body, created_at) VALUES (?, 'payer', 'Thanks.', ?)`, id, now)
				return fmt.Sprintf("thread %d replied to", id)
			}
		}
		return ""
	}
	ledger := func(n *network) []string {
		var rows []struct {
			PayerID int64
			Channel string
			Slot    time.Time
			Status  string
		}
		if err := n.db.Gorm.Model(&bundler.Entry{}).Order("payer_id, channel, slot").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		out := make([]string, len(rows))
		for i, r := range rows {
			out[i] = fmt.Sprintf("payer %d %s %s %s", r.PayerID, r.Channel, r.Slot.UTC().Format(time.RFC3339), r.Status)
		}
		return out
	}
	senders := func(n *network) map[notify.Channel]notify.Sender {
		return map[notify.Channel]notify.Sender{notify.Email: n.outbox, notify.SMS: n.outbox}
	}
	scheduled := nets[0].runner(senders(nets[0]))
	full := bundler.NewRunner(bundler.Config{
		DB: nets[1].db.Gorm, Payers: nets[1].payers, Vendors: nets[1].vendors, Senders: senders(nets[1]),
		Links: nets[1].signer, BaseURL: "https://hub.example", From: "reminders@hub.example", FromName: "duehub",
		Now: nets[1].clock, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), OtherClock: true,
	})
	var log []string
	read, decided, passes := 0, 0, 0
	for now := start; now.Before(start.Add(108 * time.Hour)); now = now.Add(time.Duration(3+rng.IntN(15)) * time.Minute) {
		for _, n := range nets {
			n.setNow(now.Format(time.RFC3339))
		}
		if rng.IntN(4) == 0 {
			if what := mutate(now); what != "" {
				log = append(log, now.Format(time.RFC3339)+" "+what)
			}
		}
		a, err := scheduled.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b, err := full.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		passes++
		read, decided = read+a.Read, decided+b.Read
		if la, lb := ledger(nets[0]), ledger(nets[1]); !slices.Equal(la, lb) {
			t.Fatalf("at %s the ledgers differ:\nnext_plan_at: %s\nfull scan:    %s\nlast writes:\n%s",
				now.Format(time.RFC3339), diff(la, lb), diff(lb, la), strings.Join(log[max(0, len(log)-8):], "\n"))
		}
	}
	rows := ledger(nets[0])
	if len(rows) < 50 {
		t.Fatalf("only %d digests in %d passes: the simulation exercises too little", len(rows), passes)
	}
	t.Logf("%d passes, %d writes, %d digests: next_plan_at read %d payers, the full scan %d", passes, len(log), len(rows), read, decided)
}

// diff lists what a holds and b does not.
func diff(a, b []string) string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return fmt.Sprint(out)
}
