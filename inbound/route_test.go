package inbound_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/inbound"
	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/notify/outbox"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

const domain = "in.duehub.example"

// replyWorld is two vendors billing Acme on a real database, a digest sent
// to Acme carrying three invoices, and the router under test.
type replyWorld struct {
	t          *testing.T
	db         *database.DB
	payers     *payers.Store
	thr        *threads.Store
	vendors    *vendors.Store
	store      *inbound.Store
	router     *inbound.Router
	outbox     *outbox.Store
	now        time.Time
	northwind  int64
	contoso    int64
	payerID    int64
	invoices   map[string]int64
	digestID   int64
	answered   []int64
	digestAddr string
}

func newReplyWorld(t *testing.T, db *database.DB) *replyWorld {
	ctx := context.Background()
	w := &replyWorld{t: t, db: db, now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), invoices: map[string]int64{}}
	clock := func() time.Time { return w.now }
	w.payers = payers.NewStore(db.Gorm, clock)
	w.vendors = vendors.NewStore(db.Gorm, w.payers, clock)
	w.thr = threads.NewStore(db.Gorm, w.payers, clock)
	w.outbox = outbox.New(db.Gorm, clock)
	w.store = inbound.NewStore(db.Gorm, "test-secret", domain, clock)
	w.router = inbound.NewRouter(inbound.RouterConfig{Store: w.store, Payers: w.payers, Threads: w.thr, Vendors: w.vendors, Mailer: w.outbox,
		Links: links.NewSigner("test-secret", "https://hub.example", clock), From: "reminders@duehub.example"})
	w.router.OnVendorAnswer(func(_ context.Context, _, threadID int64, _ string) { w.answered = append(w.answered, threadID) })
	w.northwind = w.vendor("Northwind Supplies")
	w.contoso = w.vendor("Contoso Freight")
	w.invoice(w.northwind, "NW-1001", "1001")
	w.invoice(w.northwind, "NW-1002", "1002")
	w.invoice(w.contoso, "CF-88", "CF-88")
	p, err := w.payers.FindByEmail(ctx, "ap@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	w.payerID = p.ID
	ids := []string{}
	for _, ext := range []string{"NW-1001", "NW-1002", "CF-88"} {
		ids = append(ids, itoa(w.invoices[ext]))
	}
	err = db.Gorm.Exec(`INSERT INTO digests (payer_id, channel, slot, status, invoice_ids, created_at, updated_at, sent_at)
VALUES (?, 'email', ?, 'sent', ?, ?, ?, ?)`, w.payerID, w.now, strings.Join(ids, ","), w.now, w.now, w.now).Error
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Gorm.Raw(`SELECT id FROM digests WHERE payer_id = ?`, w.payerID).Scan(&w.digestID).Error; err != nil {
		t.Fatal(err)
	}
	w.digestAddr, err = w.store.DigestAddress(ctx, w.payerID, w.digestID)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func (w *replyWorld) vendor(name string) int64 {
	w.t.Helper()
	v, err := w.vendors.CreateVendor(context.Background(), vendors.NewVendor{Name: name})
	if err != nil {
		w.t.Fatal(err)
	}
	return v.ID
}

func (w *replyWorld) invoice(vendorID int64, ext, number string) {
	w.t.Helper()
	amount := int64(125000)
	in := vendors.InvoiceInput{ExternalID: ext, Number: number, Currency: "USD", AmountDue: &amount, DueDate: "2026-11-20",
		PayURL: "https://pay.example/" + ext, Customer: vendors.CustomerInput{ExternalID: "C-77", Name: "Acme Corp", Email: "ap@acme.example"}}
	res, err := w.vendors.PushInvoices(context.Background(), vendorID, []vendors.InvoiceInput{in})
	if err != nil || res[0].Result == vendors.ResultError {
		w.t.Fatalf("push: %v %+v", err, res)
	}
	inv, err := w.vendors.GetInvoice(context.Background(), vendorID, ext)
	if err != nil {
		w.t.Fatal(err)
	}
	w.invoices[ext] = inv.ID
}

// email parses a fixture sent to addr.
func (w *replyWorld) email(file, addr string) inbound.Email {
	w.t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		w.t.Fatal(err)
	}
	raw := strings.ReplaceAll(string(b), "reply+TOKEN@"+domain, addr)
	e, err := inbound.ParseEmail(strings.NewReader(raw))
	if err != nil {
		w.t.Fatal(err)
	}
	return e
}

func (w *replyWorld) route(e inbound.Email) inbound.Outcome {
	w.t.Helper()
	out, err := w.router.Route(context.Background(), "smtp", e)
	if err != nil {
		w.t.Fatal(err)
	}
	return out
}

// threads returns the vendor's threads as the API lists them.
func (w *replyWorld) threads(vendorID int64) []threads.VendorThreadView {
	w.t.Helper()
	views, err := w.thr.VendorThreads(context.Background(), vendorID, threads.VendorThreadFilter{})
	if err != nil {
		w.t.Fatal(err)
	}
	return views
}

// events returns the vendor's events of one type, payloads decoded.
func (w *replyWorld) events(vendorID int64, typ string) []map[string]any {
	w.t.Helper()
	evs, err := w.vendors.Events(context.Background(), vendorID, 0, 1000)
	if err != nil {
		w.t.Fatal(err)
	}
	var out []map[string]any
	for _, ev := range evs {
		if ev.Type != typ {
			continue
		}
		var p map[string]any
		if err := json.Unmarshal([]byte(ev.Payload), &p); err != nil {
			w.t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func (w *replyWorld) outboxTo(addr string) []outbox.Message {
	w.t.Helper()
	ms, err := w.outbox.List(context.Background(), 100)
	if err != nil {
		w.t.Fatal(err)
	}
	var out []outbox.Message
	for _, m := range ms {
		for _, to := range m.To {
			if to == addr {
				out = append(out, m)
			}
		}
	}
	return out
}

// A Gmail reply to a digest naming invoice 1001 becomes a question on it,
// for Northwind only, once: the same message again is a duplicate.
func TestDigestReplyNamingInvoice(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newReplyWorld(t, db)
		e := w.email("gmail_reply.eml", w.digestAddr)
		out := w.route(e)
		if out.Status != inbound.StatusRouted || len(out.ThreadIDs) != 1 {
			t.Fatalf("outcome %+v", out)
		}
		nw := w.threads(w.northwind)
		if len(nw) != 1 || nw[0].Invoice == nil || nw[0].Invoice.Number != "1001" || nw[0].Kind != threads.ThreadQuestion {
			t.Fatalf("northwind threads %+v", nw)
		}
		if c := w.threads(w.contoso); len(c) != 0 {
			t.Errorf("contoso got %d threads", len(c))
		}
		evs := w.events(w.northwind, "question.created")
		want := "Hi, for invoice 1001 we never received the goods. Can you check with the carrier?\n\nThanks,\nJane"
		if len(evs) != 1 || evs[0]["body"] != want || evs[0]["invoice_number"] != "1001" {
			t.Errorf("events %v", evs)
		}
		again := w.route(w.email("gmail_reply.eml", w.digestAddr))
		if again.Status != "duplicate" || len(w.threads(w.northwind)) != 1 {
			t.Errorf("second delivery: %+v, threads %d", again, len(w.threads(w.northwind)))
		}

		// A later reply naming the same invoice goes into the open thread.
		e.MessageID, e.Text = "second@acme.example", "About 1001 again: any news?"
		if out := w.route(e); out.Status != inbound.StatusRouted || out.ThreadIDs[0] != nw[0].ID {
			t.Fatalf("follow-up %+v", out)
		}
		th, err := w.thr.VendorThread(context.Background(), w.northwind, nw[0].ID)
		if err != nil || len(th.Messages) != 2 || th.Messages[1].Author != "payer" || th.Messages[1].Body != "About 1001 again: any news?" {
			t.Errorf("thread %+v %v", th, err)
		}
		if evs := w.events(w.northwind, threads.EventThreadMessage); len(evs) != 1 || evs[0]["author"] != "payer" {
			t.Errorf("thread.message events %v", evs)
		}
	})
}

// A reply naming a vendor with one invoice in the digest goes to that
// invoice; a reply naming nothing is held, the payer emailed once, and the
// payer's choice sends it.
func TestDigestReplyVendorAndAmbiguous(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newReplyWorld(t, db)
		out := w.route(w.email("outlook_reply.eml", w.digestAddr))
		cf := w.threads(w.contoso)
		if out.Status != inbound.StatusRouted || len(cf) != 1 || cf[0].Invoice == nil || cf[0].Invoice.ExternalID != "CF-88" {
			t.Fatalf("outcome %+v threads %+v", out, cf)
		}

		e := w.email("gmail_reply.eml", w.digestAddr)
		e.MessageID, e.Text, e.Subject = "vague@acme.example", "Please call me about these.", "Re: your invoices"
		held := w.route(e)
		if held.Status != inbound.StatusHeld || held.Reason != inbound.ReasonAmbiguous {
			t.Fatalf("vague reply %+v", held)
		}
		if n := len(w.threads(w.northwind)); n != 0 {
			t.Fatalf("northwind got %d threads from a vague reply", n)
		}
		notes := w.outboxTo("ap@acme.example")
		if len(notes) != 1 || !strings.Contains(notes[0].Text, "https://hub.example/l/") || !strings.Contains(notes[0].Text, "Please call me about these.") {
			t.Fatalf("held notices %+v", notes)
		}
		list, err := w.store.Held(context.Background(), w.payerID)
		if err != nil || len(list) != 1 {
			t.Fatalf("held %v %v", list, err)
		}
		choices, err := w.router.Choices(context.Background(), w.payerID, list[0])
		if err != nil || len(choices) != 2 {
			t.Fatalf("choices %+v %v", choices, err)
		}
		// Another payer cannot send it.
		if _, err := w.router.SendHeld(context.Background(), w.payerID+1000, list[0].ID, w.northwind); err == nil {
			t.Fatal("another payer sent the held reply")
		}
		id, err := w.router.SendHeld(context.Background(), w.payerID, list[0].ID, w.northwind)
		if err != nil {
			t.Fatal(err)
		}
		nw := w.threads(w.northwind)
		if len(nw) != 1 || nw[0].ID != id || nw[0].Invoice != nil {
			t.Fatalf("northwind threads %+v", nw)
		}
		if evs := w.events(w.northwind, "question.created"); len(evs) != 1 || evs[0]["body"] != "Please call me about these." {
			t.Errorf("events %v", evs)
		}
		if _, err := w.router.SendHeld(context.Background(), w.payerID, list[0].ID, w.northwind); err == nil {
			t.Error("a held reply was sent twice")
		}
		if list, _ := w.store.Held(context.Background(), w.payerID); len(list) != 0 {
			t.Errorf("still held: %+v", list)
		}
	})
}

// A forged From, an out-of-office and a reply to an unknown address reach
// no vendor.
func TestRepliesThatReachNoVendor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newReplyWorld(t, db)
		if out := w.route(w.email("forged_from.eml", w.digestAddr)); out.Status != inbound.StatusHeld || out.Reason != inbound.ReasonUnknownSender {
			t.Errorf("forged: %+v", out)
		}
		if out := w.route(w.email("out_of_office.eml", w.digestAddr)); out.Status != inbound.StatusIgnored {
			t.Errorf("out of office: %+v", out)
		}
		if out := w.route(w.email("html_only.eml", "reply+aaaaaaaaaaaaaaaaaaaaaaaa@"+domain)); out.Status != inbound.StatusRejected || out.Reason != inbound.ReasonUnknownToken {
			t.Errorf("unknown token: %+v", out)
		}
		if out := w.route(w.email("apple_reply.eml", "billing@acme.example")); out.Status != inbound.StatusRejected || out.Reason != inbound.ReasonNoToken {
			t.Errorf("no token: %+v", out)
		}
		w.now = w.now.Add(inbound.TokenTTL + time.Hour)
		late := w.email("html_only.eml", w.digestAddr)
		late.MessageID = "late@acme.example"
		if out := w.route(late); out.Status != inbound.StatusRejected || out.Reason != inbound.ReasonUnknownToken {
			t.Errorf("expired token: %+v", out)
		}
		for _, v := range []int64{w.northwind, w.contoso} {
			if n := len(w.threads(v)); n != 0 {
				t.Errorf("vendor %d got %d threads", v, n)
			}
		}
		// The forged reply waits for the payer; its notice goes to the
		// payer's contacts, never to the forger.
		if n := len(w.outboxTo("ap@acme-billing.example")); n != 0 {
			t.Errorf("the forger got %d emails", n)
		}
		if n := len(w.outboxTo("ap@acme.example")); n != 1 {
			t.Errorf("payer got %d held notices", n)
		}
	})
}

// A reply to an answer notification goes into its thread; a reply to a team
// notification from an active member is the vendor's answer, from anyone
// else it is rejected.
func TestThreadAndTeamReplies(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newReplyWorld(t, db)
		ctx := context.Background()
		th, err := w.thr.AskQuestion(ctx, w.payerID, w.invoices["NW-1001"], "Can we get a credit note?")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.thr.VendorReply(ctx, w.northwind, th.ID, "We will issue a credit note."); err != nil {
			t.Fatal(err)
		}
		addr, err := w.store.ThreadAddress(ctx, w.payerID, th.ID)
		if err != nil || !strings.HasPrefix(addr, "reply+") || !strings.HasSuffix(addr, "@"+domain) {
			t.Fatalf("address %q %v", addr, err)
		}
		if again, _ := w.store.ThreadAddress(ctx, w.payerID, th.ID); again != addr {
			t.Errorf("a second notice of the thread got another address: %q", again)
		}
		out := w.route(w.email("apple_reply.eml", addr))
		if out.Status != inbound.StatusRouted || out.ThreadIDs[0] != th.ID {
			t.Fatalf("outcome %+v", out)
		}
		v, err := w.thr.VendorThread(ctx, w.northwind, th.ID)
		if err != nil || len(v.Messages) != 3 || v.Messages[2].Body != "Thanks — the credit note works for us. Please apply it to 1001.\n\nJane" || v.State != threads.ThreadOpen {
			t.Fatalf("thread %+v %v", v, err)
		}

		if _, err := w.vendors.InviteMember(ctx, w.northwind, vendors.NewMember{Email: "agent@northwind.example", Name: "Ann", Role: vendors.RoleAgent}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.vendors.InviteMember(ctx, w.contoso, vendors.NewMember{Email: "agent@contoso.example", Name: "Bo", Role: vendors.RoleAgent}); err != nil {
			t.Fatal(err)
		}
		team, err := w.store.TeamAddress(ctx, w.northwind, w.payerID, th.ID)
		if err != nil {
			t.Fatal(err)
		}
		agent := inbound.Email{MessageID: "agent-1@northwind.example", From: "agent@northwind.example", Recipients: []string{team},
			Subject: "Re: New question", Text: "Credit note CN-9 is issued.\n\nOn Tue, Dec 1, 2026 at 10:20 AM duehub <t@x> wrote:\n> Can we", Header: map[string]string{}}
		if out := w.route(agent); out.Status != inbound.StatusRouted || len(w.answered) != 1 || w.answered[0] != th.ID {
			t.Fatalf("agent reply %+v answered %v", out, w.answered)
		}
		v, _ = w.thr.VendorThread(ctx, w.northwind, th.ID)
		if last := v.Messages[len(v.Messages)-1]; last.Author != "vendor" || last.Body != "Credit note CN-9 is issued." || v.State != threads.ThreadAnswered {
			t.Errorf("last message %+v state %s", last, v.State)
		}
		outsider := agent
		outsider.MessageID, outsider.From = "agent-2@contoso.example", "agent@contoso.example"
		if out := w.route(outsider); out.Status != inbound.StatusRejected || out.Reason != inbound.ReasonNotMember {
			t.Errorf("other vendor's agent: %+v", out)
		}
		outsider.MessageID = "agent-3@contoso.example"
		w.route(outsider)
		if told := w.outboxTo("agent@contoso.example"); len(told) != 1 || !strings.Contains(told[0].Text, "not passed on") {
			t.Errorf("the refused sender was told %d times", len(told))
		}
		v, _ = w.thr.VendorThread(ctx, w.northwind, th.ID)
		if len(v.Messages) != 4 {
			t.Errorf("thread has %d messages", len(v.Messages))
		}
	})
}

// Without an inbound domain no address is made: digests carry no Reply-To.
func TestNoDomainNoAddress(t *testing.T) {
	db := dbtest.SQLite(t)
	s := inbound.NewStore(db.Gorm, "secret", "", nil)
	if addr, err := s.DigestAddress(context.Background(), 1, 1); addr != "" || err != nil {
		t.Errorf("address %q %v", addr, err)
	}
}

// A reply claimed by a process that died before deciding it is routed when
// delivered again after a while; until then a delivery is a duplicate.
func TestStaleClaimIsTakenOver(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newReplyWorld(t, db)
		e := w.email("gmail_reply.eml", w.digestAddr)
		err := db.Gorm.Exec(`INSERT INTO inbound_replies (message_id, source, status, created_at, updated_at) VALUES (?, 'smtp', 'received', ?, ?)`,
			e.MessageID, w.now, w.now).Error
		if err != nil {
			t.Fatal(err)
		}
		if out := w.route(e); out.Status != "duplicate" {
			t.Fatalf("while the claim is fresh: %+v", out)
		}
		w.now = w.now.Add(11 * time.Minute)
		if out := w.route(e); out.Status != inbound.StatusRouted || len(w.threads(w.northwind)) != 1 {
			t.Fatalf("after the claim went stale: %+v", out)
		}
	})
}
