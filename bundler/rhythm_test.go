package bundler_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

// sentDigest is a sent ledger row as the payer got it.
type sentDigest struct {
	PayerID    int64
	Slot       time.Time
	SentAt     time.Time
	InvoiceIDs string
}

func sentDigests(t *testing.T, db *database.DB, payerID int64) []sentDigest {
	t.Helper()
	var rows []sentDigest
	err := db.Gorm.Model(&bundler.Entry{}).Where("payer_id = ? AND status = ? AND channel = 'email'", payerID, bundler.StatusSent).
		Order("slot").Find(&rows).Error
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func (d sentDigest) lists(id int64) bool {
	return slices.Contains(strings.Split(d.InvoiceIDs, ","), strconv.FormatInt(id, 10))
}

// TestRhythmOneDigestAWeek plays eight weeks, across New York's fall-back,
// for payers billed by 1, 3 and 12 vendors with invoices falling due
// throughout, planning every three hours. Each payer gets at most one
// regular digest in any 7 days, always on Tuesday at 09:00 New York time
// (EDT, then EST), and every invoice is listed before its due date and
// again once overdue. Weeks in which nothing reached a new point are
// skipped.
func TestRhythmOneDigestAWeek(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		start := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC) // a Monday
		n := newNetwork(t, db, start)
		n.cadence = "" // the default: the payer's rhythm
		var vs []int64
		for i := range 12 {
			vs = append(vs, n.vendor(fmt.Sprintf("Vendor %d", i), ""))
		}
		type inv struct {
			vendor int64
			ext    string
			due    civil.Date
		}
		invoices := map[string][]inv{}
		first := civil.Of(start)
		for _, payer := range []struct {
			email   string
			vendors int
		}{{"one@acme.example", 1}, {"three@acme.example", 3}, {"twelve@acme.example", 12}} {
			for v := range payer.vendors {
				for k := range 2 {
					// Due from day 9 to day 47, spread over the weekdays.
					due := first.AddDays(9 + (v*7+k*19)%39)
					ext := fmt.Sprintf("%s-%d-%d", payer.email[:3], v, k)
					n.push(vs[v], ext, payer.email, due.String(), 1000+int64(v))
					invoices[payer.email] = append(invoices[payer.email], inv{vs[v], ext, due})
				}
			}
		}
		for _, email := range []string{"one@acme.example", "three@acme.example", "twelve@acme.example"} {
			p, err := n.payers.FindByEmail(ctx, email)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Gorm.Exec(`UPDATE payers SET timezone = 'America/New_York' WHERE id = ?`, p.ID).Error; err != nil {
				t.Fatal(err)
			}
		}
		r := n.runner(nil)
		skipped := 0
		for now := start; now.Before(start.AddDate(0, 0, 56)); now = now.Add(3 * time.Hour) {
			n.setNow(now.Format(time.RFC3339))
			rep := run(t, r)
			skipped += rep.Skipped[bundler.ReasonNotTriggered]
		}
		ny := zone(t, "America/New_York")
		for email, invs := range invoices {
			p, err := n.payers.FindByEmail(ctx, email)
			if err != nil {
				t.Fatal(err)
			}
			ds := sentDigests(t, db, p.ID)
			if len(ds) < 4 || len(ds) > 8 {
				t.Errorf("%s: %d digests in 8 weeks, want one a week while anything is new", email, len(ds))
			}
			for i, d := range ds {
				local := d.Slot.In(ny)
				if local.Weekday() != time.Tuesday || local.Hour() != 9 || local.Minute() != 0 {
					t.Errorf("%s: digest slot %s is not Tuesday 09:00 New York", email, local)
				}
				if i > 0 && d.Slot.Sub(ds[i-1].Slot) < 6*24*time.Hour {
					t.Errorf("%s: two digests within a week: %s and %s", email, ds[i-1].Slot, d.Slot)
				}
			}
			for _, in := range invs {
				id := n.invoiceID(in.vendor, in.ext)
				before, after := false, false
				for _, d := range ds {
					day := civil.Of(d.Slot.In(ny))
					if d.lists(id) && day.Before(in.due) {
						before = true
					}
					if d.lists(id) && day.After(in.due) {
						after = true
					}
				}
				if !before || !after {
					t.Errorf("%s: invoice %s due %s listed before due: %v, once overdue: %v", email, in.ext, in.due, before, after)
				}
			}
		}
		if skipped == 0 {
			t.Error("no pass skipped a payer with nothing new")
		}
	})
}

// TestRhythmRotation: a payer with 200 open invoices, more than a digest
// lists, gets them in rotation, most urgent first and then those not listed
// yet, each digest listing at most MaxLines with the rest totalled, until
// every one has been listed.
func TestRhythmRotation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC) // a Monday
		n := newNetwork(t, db, start)
		n.cadence = ""
		v := n.vendor("Heavy Supplies", "")
		first := civil.Of(start)
		var ids []int64
		for i := range 200 {
			// Every invoice already overdue, or due within two weeks.
			due := first.AddDays(-40 + i%54)
			ext := fmt.Sprintf("H-%03d", i)
			n.push(v, ext, "heavy@acme.example", due.String(), 100)
			ids = append(ids, n.invoiceID(v, ext))
		}
		p, err := n.payers.FindByEmail(ctx, "heavy@acme.example")
		if err != nil {
			t.Fatal(err)
		}
		r := n.runner(nil)
		for now := start; now.Before(start.AddDate(0, 0, 70)); now = now.Add(6 * time.Hour) {
			n.setNow(now.Format(time.RFC3339))
			run(t, r)
		}
		ds := sentDigests(t, db, p.ID)
		listed := map[int64]bool{}
		for i, d := range ds {
			got := strings.Split(d.InvoiceIDs, ",")
			if len(got) > bundler.MaxLines {
				t.Errorf("digest %d lists %d invoices, more than %d", i, len(got), bundler.MaxLines)
			}
			for _, id := range ids {
				if d.lists(id) {
					listed[id] = true
				}
			}
		}
		if len(listed) != len(ids) {
			t.Fatalf("after %d digests %d of %d invoices were listed", len(ds), len(listed), len(ids))
		}
		msgs := n.messages()
		last := msgs[0] // newest first
		if !strings.Contains(last.Text, "more (USD") || !strings.Contains(last.Text, "listed in your next digests") {
			t.Errorf("the rest is not totalled with a link to all:\n%s", last.Text)
		}
		if !strings.Contains(last.Text, "What changed since your last digest") {
			t.Errorf("a later digest does not open with what changed:\n%s", last.Text[:400])
		}
	})
}

// TestRhythmLearnedHour: a payer that acted three times on Thursday
// afternoons gets its digest on Thursday at 14:00 local; with two actions
// the default, Tuesday 09:00, stands.
func TestRhythmLearnedHour(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		n := newNetwork(t, db, time.Date(2026, 10, 1, 14, 10, 0, 0, time.UTC)) // Thursday, 15:10 in London (BST)
		n.cadence = ""
		v := n.vendor("Northwind", "")
		n.push(v, "N-1", "few@acme.example", "2026-10-27", 100)
		n.push(v, "N-2", "many@acme.example", "2026-10-27", 100)
		for _, email := range []string{"few@acme.example", "many@acme.example"} {
			p, _ := n.payers.FindByEmail(ctx, email)
			if err := db.Gorm.Exec(`UPDATE payers SET timezone = 'Europe/London' WHERE id = ?`, p.ID).Error; err != nil {
				t.Fatal(err)
			}
		}
		few, _ := n.payers.FindByEmail(ctx, "few@acme.example")
		many, _ := n.payers.FindByEmail(ctx, "many@acme.example")
		for i, at := range []string{"2026-10-01T13:10:00Z", "2026-10-08T13:40:00Z", "2026-10-15T12:05:00Z"} {
			n.setNow(at)
			if err := n.payers.Touch(ctx, many.ID); err != nil {
				t.Fatal(err)
			}
			if i < 2 {
				if err := n.payers.Touch(ctx, few.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		r := n.runner(nil)
		for now := time.Date(2026, 10, 17, 0, 0, 0, 0, time.UTC); now.Before(time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)); now = now.Add(3 * time.Hour) {
			n.setNow(now.Format(time.RFC3339))
			run(t, r)
		}
		london := zone(t, "Europe/London")
		for _, c := range []struct {
			id      int64
			day     time.Weekday
			hour    int
			because string
		}{{many.ID, time.Thursday, 14, "three Thursday actions at 14:xx or 13:xx London"}, {few.ID, time.Tuesday, 9, "two actions are too few"}} {
			ds := sentDigests(t, db, c.id)
			if len(ds) == 0 {
				t.Fatalf("payer %d got no digest", c.id)
			}
			for _, d := range ds {
				if l := d.Slot.In(london); l.Weekday() != c.day || l.Hour() != c.hour {
					t.Errorf("payer %d: digest at %s, want %s %02d:00 (%s)", c.id, l, c.day, c.hour, c.because)
				}
			}
		}
	})
}

// TestRhythmCatchUp: after ten days of downtime the payer gets one
// catch-up digest at the next pass within a day of its window, never one
// per missed week, and none from a window older than the stale limit.
func TestRhythmCatchUp(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		n := newNetwork(t, db, time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)) // Monday
		n.cadence = ""
		v := n.vendor("Northwind", "")
		n.push(v, "N-1", "ap@acme.example", "2026-11-05", 100)
		n.push(v, "N-2", "ap@acme.example", "2026-11-12", 100)
		r := n.runner(nil)
		run(t, r) // Monday: before the first window
		// Down from Monday until the Tuesday two weeks on, 09:40.
		n.setNow("2026-11-17T09:40:00Z")
		if rep := run(t, r); rep.Sent() != 1 {
			t.Fatalf("catch-up pass sent %d, want one digest", rep.Sent())
		}
		n.setNow("2026-11-17T10:40:00Z")
		if rep := run(t, r); rep.Sent() != 0 {
			t.Fatalf("a second catch-up: %+v", rep)
		}
		p, _ := n.payers.FindByEmail(ctx, "ap@acme.example")
		ds := sentDigests(t, db, p.ID)
		if len(ds) != 1 || !ds[0].Slot.Equal(time.Date(2026, 11, 17, 9, 0, 0, 0, time.UTC)) {
			t.Fatalf("ledger: %+v", ds)
		}
		// Down again past the next window's stale limit: nothing sent late.
		n.setNow("2026-11-25T10:00:00Z")
		if rep := run(t, r); rep.Sent() != 0 {
			t.Fatalf("a stale window was sent: %+v", rep)
		}
	})
}

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestRhythmDueNow: an invoice pushed after Tuesday's digest and falling
// due on Thursday brings one short "due now" message on Thursday at the
// payer's hour; a second one falling due on Saturday waits for the next
// Tuesday (one a week); a payer who opted out gets none; no payer gets more
// than two messages in the week.
func TestRhythmDueNow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		n := newNetwork(t, db, time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)) // Monday
		n.cadence = ""
		v := n.vendor("Northwind", "")
		for _, who := range []string{"on", "off"} {
			n.push(v, "A-"+who, who+"@acme.example", "2026-11-13", 100)
		}
		off, _ := n.payers.FindByEmail(ctx, "off@acme.example")
		if err := db.Gorm.Exec(`UPDATE payers SET urgent_enabled = false WHERE id = ?`, off.ID).Error; err != nil {
			t.Fatal(err)
		}
		r := n.runner(nil)
		pass := func(at string) bundler.Report {
			n.setNow(at)
			return run(t, r)
		}
		if rep := pass("2026-11-10T09:30:00Z"); rep.Sent() != 2 { // Tuesday: both payers' regular digest
			t.Fatalf("Tuesday: sent %d", rep.Sent())
		}
		n.setNow("2026-11-11T12:00:00Z") // Wednesday
		for _, who := range []string{"on", "off"} {
			n.push(v, "B-"+who, who+"@acme.example", "2026-11-12", 200)
			n.push(v, "C-"+who, who+"@acme.example", "2026-11-14", 300)
		}
		if rep := pass("2026-11-11T12:30:00Z"); rep.Sent() != 0 {
			t.Fatalf("Wednesday, nothing due yet: sent %d", rep.Sent())
		}
		if rep := pass("2026-11-12T09:10:00Z"); rep.Sent() != 1 { // Thursday
			t.Fatalf("Thursday: sent %d, want one due-now message", rep.Sent())
		}
		m := n.messages()[0]
		if m.To[0] != "on@acme.example" || !strings.HasPrefix(m.Subject, "Due now: 1 invoice") ||
			!strings.Contains(m.Text, "B-on") || strings.Contains(m.Text, "A-on") || strings.Contains(m.Text, "C-on") {
			t.Fatalf("due-now message to %v %q:\n%s", m.To, m.Subject, m.Text)
		}
		for _, at := range []string{"2026-11-13T09:10:00Z", "2026-11-14T09:10:00Z", "2026-11-15T09:10:00Z", "2026-11-16T09:10:00Z"} {
			if rep := pass(at); rep.Sent() != 0 {
				t.Fatalf("%s: a second message between two digests: %+v", at, rep)
			}
		}
		if rep := pass("2026-11-17T09:10:00Z"); rep.Sent() != 2 { // Tuesday
			t.Fatalf("next Tuesday: sent %d", rep.Sent())
		}
		for _, who := range []string{"on", "off"} {
			p, _ := n.payers.FindByEmail(ctx, who+"@acme.example")
			ds := sentDigests(t, db, p.ID)
			want := map[string]int{"on": 3, "off": 2}[who]
			if len(ds) != want {
				t.Errorf("%s: %d messages, want %d", who, len(ds), want)
			}
			last := ds[len(ds)-1]
			if !last.lists(n.invoiceID(v, "C-"+who)) {
				t.Errorf("%s: Tuesday's digest does not list the invoice that fell due on Saturday", who)
			}
		}
	})
}
