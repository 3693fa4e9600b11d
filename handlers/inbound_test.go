package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/inbound"
	"github.com/duehub/duehub/vendors"
)

const inboundDomain = "in.hub.example"

var regexpLink = regexp.MustCompile(`https?://[^\s]+/l/[A-Za-z0-9_-]+`)

// replyHub is a portal hub that receives replies: two vendors bill Acme,
// which was sent a digest carrying their three invoices.
type replyHub struct {
	*portalHub
	api                *hub
	store              *inbound.Store
	northwind, contoso int64
	nwKey, cfKey       string
	digestAddr         string
}

func newReplyHub(t *testing.T, db *database.DB) *replyHub {
	r := &replyHub{}
	r.portalHub = newPortalHub(t, db, func(cfg *Config) {
		r.store = inbound.NewStore(db.Gorm, cfg.Secret, inboundDomain, cfg.Now)
		cfg.Inbound = inbound.NewRouter(inbound.RouterConfig{Store: r.store, Payers: cfg.Payers, Threads: cfg.Threads, Vendors: cfg.Vendors,
			Mailer: cfg.Mailer, Links: cfg.Links, From: cfg.MailFrom, Log: cfg.Log, Registry: cfg.Registry})
		cfg.InboundSecret = "inbound-s3cret"
		cfg.TwilioAuthToken = "twiliotoken0123456789"
	})
	r.api = &hub{t: t, db: db, vendors: r.vendors, srv: r.srv}
	ctx := context.Background()
	r.northwind, r.contoso = r.vendor("Northwind Supplies"), r.vendor("Contoso Freight")
	var ids []string
	for _, inv := range []struct {
		v   int64
		ext string
	}{{r.northwind, "1001"}, {r.northwind, "1002"}, {r.contoso, "CF-88"}} {
		ids = append(ids, strconvI(r.invoice(inv.v, inv.ext, "ap@acme.example", 125000, "2026-11-20")))
	}
	var err error
	if r.nwKey, _, err = r.vendors.CreateKey(ctx, r.northwind); err != nil {
		t.Fatal(err)
	}
	if r.cfKey, _, err = r.vendors.CreateKey(ctx, r.contoso); err != nil {
		t.Fatal(err)
	}
	payer := r.payerID("ap@acme.example")
	err = db.Gorm.Exec(`INSERT INTO digests (payer_id, channel, slot, status, invoice_ids, created_at, updated_at, sent_at)
VALUES (?, 'email', ?, 'sent', ?, ?, ?, ?)`, payer, r.now, strings.Join(ids, ","), r.now, r.now, r.now).Error
	if err != nil {
		t.Fatal(err)
	}
	var digestID int64
	if err := db.Gorm.Raw(`SELECT id FROM digests WHERE payer_id = ?`, payer).Scan(&digestID).Error; err != nil {
		t.Fatal(err)
	}
	if r.digestAddr, err = r.store.DigestAddress(ctx, payer, digestID); err != nil {
		t.Fatal(err)
	}
	return r
}

// parsePost posts an Inbound Parse form with the given fields.
func (r *replyHub) parsePost(secret string, fields map[string]string) (int, map[string]string) {
	r.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			r.t.Fatal(err)
		}
	}
	mw.Close()
	resp, err := http.Post(r.srv.URL+"/webhooks/sendgrid/inbound/"+secret, mw.FormDataContentType(), &b)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]string
	body, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(body, &out)
	return resp.StatusCode, out
}

func (r *replyHub) apiThreads(key string) []threadJSON {
	r.t.Helper()
	var list threadList
	resp := r.api.do("GET", "/v1/threads", key, nil)
	if resp.status != 200 {
		r.t.Fatalf("threads: %d %s", resp.status, resp.body)
	}
	resp.json(r.t, &list)
	return list.Data
}

// A reply posted by Inbound Parse (parsed fields) naming invoice 1001 is a
// question on it in Northwind's API, once; a wrong secret is no route.
func TestInboundParseRoutesReply(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		r := newReplyHub(t, db)
		fields := map[string]string{
			"headers":  "Message-ID: <p1@acme.example>\nFrom: Jane <ap@acme.example>\nTo: " + r.digestAddr + "\nSubject: Re: your invoices\n",
			"from":     "Jane <ap@acme.example>",
			"to":       r.digestAddr,
			"subject":  "Re: your invoices",
			"text":     "Invoice 1001: the goods never arrived.\n\nOn Mon, Nov 23, 2026 at 9:00 AM duehub <hub@hub.example> wrote:\n> Contoso Freight CF-88",
			"envelope": `{"to":["` + r.digestAddr + `"],"from":"ap@acme.example"}`,
			"SPF":      "pass",
			"dkim":     "{@acme.example : pass}",
			"charsets": `{"text":"UTF-8"}`,
		}
		if status, _ := r.parsePost("wrong", fields); status != http.StatusNotFound {
			t.Fatalf("wrong secret: %d", status)
		}
		status, out := r.parsePost("inbound-s3cret", fields)
		if status != 200 || out["status"] != inbound.StatusRouted {
			t.Fatalf("post: %d %v", status, out)
		}
		if _, out := r.parsePost("inbound-s3cret", fields); out["status"] != "duplicate" {
			t.Errorf("second post: %v", out)
		}
		nw := r.apiThreads(r.nwKey)
		if len(nw) != 1 || nw[0].Invoice == nil || nw[0].Invoice.Number != "1001" || nw[0].Kind != "question" {
			t.Fatalf("northwind threads %+v", nw)
		}
		if cf := r.apiThreads(r.cfKey); len(cf) != 0 {
			t.Errorf("contoso threads %+v", cf)
		}
		var th threadJSON
		r.api.do("GET", "/v1/threads/"+strconvI(nw[0].ID), r.nwKey, nil).json(t, &th)
		if (*th.Messages)[0].Body != "Invoice 1001: the goods never arrived." {
			t.Errorf("message %q", (*th.Messages)[0].Body)
		}
		var rep inbound.Reply
		if err := db.Gorm.Where("message_id = ?", "p1@acme.example").Take(&rep).Error; err != nil || rep.SPF != "pass" || rep.DKIM != "{@acme.example : pass}" {
			t.Errorf("stored reply %+v %v", rep, err)
		}
		metrics := r.browser().get("/metrics").body
		for _, want := range []string{`duehub_inbound_replies_total{reason="",source="sendgrid",status="routed"} 1`,
			`duehub_inbound_replies_total{reason="duplicate",source="sendgrid",status="duplicate"} 1`} {
			if !strings.Contains(metrics, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})
}

// A raw-MIME Inbound Parse post that names no vendor is held: the payer
// gets one email whose link opens the replies page, and one click (a
// CSRF-checked POST) sends it to the vendor chosen, as a question on the
// account that the vendor's API and events show.
func TestHeldReplyPayerChooses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		r := newReplyHub(t, db)
		raw, err := os.ReadFile("../inbound/testdata/gmail_reply.eml")
		if err != nil {
			t.Fatal(err)
		}
		vague := strings.Replace(string(raw), "reply+TOKEN@in.duehub.example", r.digestAddr, 1)
		vague = strings.Replace(vague, "Hi, for invoice 1001 we never received the goods. Can you check with the ca=\nrrier?", "Please send us statements for our files.", 1)
		vague = strings.Replace(vague, `<div dir=3D"ltr">Hi, for invoice 1001`, `<div dir=3D"ltr">Please send statements`, 1)
		if _, out := r.parsePost("inbound-s3cret", map[string]string{"email": vague}); out["status"] != inbound.StatusHeld || out["reason"] != inbound.ReasonAmbiguous {
			t.Fatalf("post: %v", out)
		}
		if n := len(r.apiThreads(r.nwKey)) + len(r.apiThreads(r.cfKey)); n != 0 {
			t.Fatalf("%d threads from a vague reply", n)
		}
		var notice string
		for _, m := range r.messages() {
			if len(m.To) == 1 && m.To[0] == "ap@acme.example" && strings.Contains(m.Subject, "waiting") {
				notice = m.Text
			}
		}
		link := regexpLink.FindString(notice)
		if link == "" {
			t.Fatalf("no link in the notice:\n%s", notice)
		}
		b := r.browser()
		entry := b.get(strings.TrimPrefix(link, r.srv.URL))
		if entry.status != http.StatusSeeOther || entry.location != "/portal/replies" {
			t.Fatalf("link: %d %s", entry.status, entry.location)
		}
		page := b.get("/portal/replies")
		if !strings.Contains(page.body, "Please send us statements for our files.") || !strings.Contains(page.body, "Send to Northwind Supplies") ||
			!strings.Contains(page.body, "Send to Contoso Freight") || strings.Contains(page.body, "On Tue, Dec 1") {
			t.Fatalf("replies page:\n%s", page.body)
		}
		if inbox := b.get("/portal"); !strings.Contains(inbox.body, `href="/portal/replies"`) || !strings.Contains(inbox.body, "1 emailed reply waits") {
			t.Errorf("the inbox does not point at the held reply:\n%s", inbox.body)
		}
		var held []inbound.Reply
		db.Gorm.Where("status = ?", inbound.StatusHeld).Find(&held)
		if len(held) != 1 {
			t.Fatalf("held %+v", held)
		}
		path := "/portal/replies/" + strconvI(held[0].ID) + "/send"
		form := url.Values{"vendor_id": {strconvI(r.northwind)}}
		if res := b.post(path, form, ""); res.status < 400 {
			t.Fatalf("a POST without CSRF token: %d", res.status)
		}
		if res := b.post(path, form, "/portal/replies"); res.status != http.StatusSeeOther {
			t.Fatalf("send: %d %s", res.status, res.body)
		}
		nw := r.apiThreads(r.nwKey)
		if len(nw) != 1 || nw[0].Invoice != nil || nw[0].Customer == nil {
			t.Fatalf("northwind threads %+v", nw)
		}
		resp := r.api.do("GET", "/v1/events", r.nwKey, nil)
		if resp.status != 200 || !strings.Contains(string(resp.body), `"question.created"`) || !strings.Contains(string(resp.body), "Please send us statements") {
			t.Errorf("events: %s", resp.body)
		}
		if page := b.get("/portal/replies"); !strings.Contains(page.body, "No reply is waiting") {
			t.Errorf("after sending:\n%s", page.body)
		}
		if inbox := b.get("/portal"); strings.Contains(inbox.body, `href="/portal/replies"`) {
			t.Errorf("the inbox still points at held replies after the last was sent")
		}
	})
}

// An agent's emailed answer to the team notification is the vendor's
// reply: the payer sees it in the portal and gets the answer email, whose
// own Reply-To routes the payer's next reply into the same thread.
func TestAgentAnswersByEmail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		r := newReplyHub(t, db)
		ctx := context.Background()
		payer := r.payerID("ap@acme.example")
		inv, _ := r.vendors.GetInvoice(ctx, r.northwind, "1002")
		th, err := r.portalHub.threads.AskQuestion(ctx, payer, inv.ID, "Is 1002 a duplicate?")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.vendors.InviteMember(ctx, r.northwind, vendors.NewMember{Email: "ann@northwind.example", Name: "Ann", Role: vendors.RoleAgent}); err != nil {
			t.Fatal(err)
		}
		team, err := r.store.TeamAddress(ctx, r.northwind, payer, th.ID)
		if err != nil {
			t.Fatal(err)
		}
		post := func(id, from, to, text string) map[string]string {
			_, out := r.parsePost("inbound-s3cret", map[string]string{
				"headers": "Message-ID: <" + id + ">\nFrom: " + from + "\n", "from": from, "to": to, "text": text,
				"envelope": `{"to":["` + to + `"]}`})
			return out
		}
		if out := post("x1@contoso.example", "mallory@contoso.example", team, "It is paid, ignore it."); out["status"] != inbound.StatusRejected || out["reason"] != inbound.ReasonNotMember {
			t.Fatalf("outsider: %v", out)
		}
		if out := post("a1@northwind.example", "Ann <ann@northwind.example>", team, "No: 1002 is the December delivery.\n\n-- \nAnn, Northwind AR"); out["status"] != inbound.StatusRouted {
			t.Fatalf("agent: %v", out)
		}
		var answer string
		var replyTo string
		for _, m := range r.messages() {
			if len(m.To) == 1 && m.To[0] == "ap@acme.example" && strings.Contains(m.Subject, "answered your question") {
				answer, replyTo = m.Text, m.Headers["Reply-To"]
			}
		}
		if !strings.Contains(answer, "> No: 1002 is the December delivery.") || strings.Contains(answer, "Northwind AR") {
			t.Fatalf("answer email:\n%s", answer)
		}
		if !strings.HasPrefix(replyTo, "reply+") || !strings.HasSuffix(replyTo, "@"+inboundDomain) {
			t.Fatalf("answer Reply-To %q", replyTo)
		}
		page := r.signIn("ap@acme.example").get("/portal/invoices/" + strconvI(inv.ID))
		if !strings.Contains(page.body, "No: 1002 is the December delivery.") {
			t.Errorf("portal invoice page lacks the answer:\n%s", page.body)
		}
		if out := post("j2@acme.example", "ap@acme.example", replyTo, "Thanks, understood."); out["status"] != inbound.StatusRouted {
			t.Fatalf("payer's reply: %v", out)
		}
		var got threadJSON
		r.api.do("GET", "/v1/threads/"+strconvI(th.ID), r.nwKey, nil).json(t, &got)
		msgs := *got.Messages
		if len(msgs) != 3 || msgs[2].Author != "payer" || msgs[2].Body != "Thanks, understood." || got.State != "open" {
			t.Errorf("thread %+v", got)
		}
	})
}

// A text that is not a keyword, from a number sent an SMS digest, naming an
// invoice becomes a question on it, answered by SMS since the number has
// consent; a vague one is held and the sender asked again; a number that
// was sent nothing gets no answer.
func TestSMSReplies(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		r := newReplyHub(t, db)
		ctx := context.Background()
		const phone = "+15551230000"
		amount := int64(9000)
		in := vendors.InvoiceInput{ExternalID: "CF-90", Number: "CF-90", Currency: "USD", AmountDue: &amount, DueDate: "2026-11-20",
			PayURL: "https://pay.example/CF-90", Customer: vendors.CustomerInput{ExternalID: "C-ap@acme.example", Name: "Acme", Email: "ap@acme.example",
				Phone: phone, SMSConsent: true, SMSConsentSource: "signed form"}}
		if res, err := r.vendors.PushInvoices(ctx, r.contoso, []vendors.InvoiceInput{in}); err != nil || res[0].Result == vendors.ResultError {
			t.Fatalf("push %v %+v", err, res)
		}
		inv, _ := r.vendors.GetInvoice(ctx, r.contoso, "CF-90")
		nw, _ := r.vendors.GetInvoice(ctx, r.northwind, "1001")
		payer := r.payerID("ap@acme.example")
		err := db.Gorm.Exec(`INSERT INTO digests (payer_id, channel, slot, status, recipients, invoice_ids, created_at, updated_at, sent_at)
VALUES (?, 'sms', ?, 'sent', ?, ?, ?, ?, ?)`, payer, r.now.Add(time.Hour), phone, strconvI(inv.ID)+","+strconvI(nw.ID), r.now, r.now, r.now).Error
		if err != nil {
			t.Fatal(err)
		}
		text := func(sid, from, body string) []string {
			form := url.Values{"MessageSid": {sid}, "From": {from}, "To": {"+15550001111"}, "Body": {body}, "NumMedia": {"0"}}
			resp := r.api.do("POST", "/webhooks/twilio/inbound", "", form.Encode(), "Content-Type", "application/x-www-form-urlencoded",
				"X-Twilio-Signature", signTwilio("twiliotoken0123456789", r.srv.URL+"/webhooks/twilio/inbound", form))
			return twimlReply(t, resp)
		}
		if got := text("SM1", phone, "CF-90 arrived damaged, please send a credit"); len(got) != 1 || !strings.Contains(got[0], "sent to the vendor") {
			t.Fatalf("reply %q", got)
		}
		if got := text("SM1", phone, "CF-90 arrived damaged, please send a credit"); len(got) != 0 {
			t.Errorf("a replayed webhook was answered: %q", got)
		}
		cf := r.apiThreads(r.cfKey)
		if len(cf) != 1 || cf[0].Invoice == nil || cf[0].Invoice.ExternalID != "CF-90" {
			t.Fatalf("contoso threads %+v", cf)
		}
		// A vague text is held and answered with a link to choose the vendor,
		// which opens the held reply for the payer.
		got := text("SM2", phone, "call me")
		link := ""
		if len(got) == 1 {
			if _, after, ok := strings.Cut(got[0], "Choose it here: "); ok {
				link = strings.TrimSpace(after)
			}
		}
		if link == "" || !strings.HasPrefix(link, r.srv.URL) {
			t.Fatalf("vague text: %q", got)
		}
		if page := r.browser().get(strings.TrimPrefix(link, r.srv.URL)); page.status != http.StatusSeeOther || page.location != "/portal/replies" {
			t.Errorf("the link in the SMS answer: %d %s", page.status, page.location)
		}
		if got := text("SM3", "+15559998888", "CF-90 is paid"); len(got) != 0 {
			t.Errorf("unknown number answered: %q", got)
		}
		if n := len(r.apiThreads(r.cfKey)); n != 1 {
			t.Errorf("%d contoso threads", n)
		}
		if got := text("SM4", phone, "STOP"); len(got) != 1 || strings.Contains(got[0], "vendor") {
			t.Errorf("STOP: %q", got)
		}
	})
}

// Files attached to a reply are kept up to 10 MB and downloaded by the
// thread's vendor only, never rendered; a larger file is dropped and
// counted, the reply still routed.
func TestReplyAttachments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		r := newReplyHub(t, db)
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		for k, v := range map[string]string{
			"headers": "Message-ID: <att1@acme.example>\nFrom: ap@acme.example\n", "from": "ap@acme.example", "to": r.digestAddr,
			"subject": "Re: invoices", "text": "Delivery note for 1001 attached.", "envelope": `{"to":["` + r.digestAddr + `"]}`,
		} {
			mw.WriteField(k, v)
		}
		pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
		fw, _ := mw.CreateFormFile("attachment1", "../../delivery note.pdf")
		fw.Write(pdf)
		fw, _ = mw.CreateFormFile("attachment2", "scan.tiff")
		fw.Write(bytes.Repeat([]byte{0x49}, inbound.MaxAttachment+1))
		mw.Close()
		resp, err := http.Post(r.srv.URL+"/webhooks/sendgrid/inbound/inbound-s3cret", mw.FormDataContentType(), &b)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		nw := r.apiThreads(r.nwKey)
		if resp.StatusCode != 200 || len(nw) != 1 {
			t.Fatalf("post %d, threads %+v", resp.StatusCode, nw)
		}
		base := "/v1/threads/" + strconvI(nw[0].ID) + "/attachments"
		var list attachmentList
		r.api.do("GET", base, r.nwKey, nil).json(t, &list)
		if len(list.Data) != 1 || list.Data[0].Filename != "delivery note.pdf" || list.Data[0].ContentType != "application/pdf" || list.Data[0].Size != int64(len(pdf)) {
			t.Fatalf("attachments %+v", list.Data)
		}
		file := r.api.do("GET", base+"/"+strconvI(list.Data[0].ID), r.nwKey, nil)
		if file.status != 200 || !bytes.Equal(file.body, pdf) || file.header.Get("Content-Type") != "application/octet-stream" ||
			!strings.HasPrefix(file.header.Get("Content-Disposition"), "attachment") || file.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("download %d %v", file.status, file.header)
		}
		if other := r.api.do("GET", base+"/"+strconvI(list.Data[0].ID), r.cfKey, nil); other.status != 404 {
			t.Errorf("another vendor downloaded it: %d", other.status)
		}
		if other := r.api.do("GET", base, r.cfKey, nil); other.status != 404 {
			t.Errorf("another vendor listed it: %d", other.status)
		}
		// The AR team sees the file on the thread page and downloads it there.
		r.member(r.northwind, "alice@northwind.example", vendors.RoleAgent)
		agent := r.vendorSignIn("alice@northwind.example")
		page := agent.get("/vendor/threads/" + strconvI(nw[0].ID))
		href := "/vendor/threads/" + strconvI(nw[0].ID) + "/attachments/" + strconvI(list.Data[0].ID)
		if !strings.Contains(page.body, `href="`+href+`"`) || !strings.Contains(page.body, "delivery note.pdf") {
			t.Fatalf("the thread page does not list the file:\n%s", page.body)
		}
		if dl := agent.get(href); dl.status != 200 || dl.body != string(pdf) || dl.header.Get("Content-Type") != "application/octet-stream" ||
			!strings.HasPrefix(dl.header.Get("Content-Disposition"), "attachment") {
			t.Errorf("download from the thread page: %d %v", dl.status, dl.header)
		}
		r.member(r.contoso, "bo@contoso.example", vendors.RoleAgent)
		if other := r.vendorSignIn("bo@contoso.example").get(href); other.status != 404 {
			t.Errorf("another vendor's member downloaded it: %d", other.status)
		}
		if m := r.browser().get("/metrics").body; !strings.Contains(m, `duehub_inbound_replies_total{reason="too_large",source="sendgrid",status="attachment_dropped"} 1`) {
			t.Error("the dropped file is not counted")
		}
	})
}
