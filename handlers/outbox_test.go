package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/net/html"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/notify/outbox"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// newHubWithOutbox is newHub with the dev outbox as a channel.
func newHubWithOutbox(t *testing.T, db *database.DB, box *outbox.Store) *hub {
	t.Helper()
	p := payers.NewStore(db.Gorm, time.Now)
	vs := vendors.NewStore(db.Gorm, p, time.Now)
	h := New(Config{
		Vendors:  vs,
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		Registry: prometheus.NewRegistry(),
		Ready:    func(ctx context.Context) error { return db.SQL.PingContext(ctx) },
		Outbox:   box,
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &hub{t: t, db: db, vendors: vs, srv: srv}
}

// outboxFixture sends an email then an SMS, one minute apart, through the
// outbox as a notify.Sender, and returns their outbox ids.
func outboxFixture(t *testing.T, db *database.DB, emailHTML string) (*hub, int64, int64, time.Time) {
	t.Helper()
	start := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	next := start
	box := outbox.New(db.Gorm, func() time.Time { now := next; next = next.Add(time.Minute); return now })
	var sender notify.Sender = box
	ctx := context.Background()
	email, err := sender.Send(ctx, notify.Message{
		ID: "m-email", Channel: notify.Email,
		To: []string{"ap@acme.example"}, CC: []string{"cfo@acme.example"}, BCC: []string{"audit@acme.example"},
		Subject: "3 vendors · 7 invoices · USD 12,340.00 due",
		Text:    "Hello Acme,\nyou have 7 invoices due.", HTML: emailHTML,
		Headers: map[string]string{"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
	})
	if err != nil {
		t.Fatal(err)
	}
	sms, err := sender.Send(ctx, notify.Message{
		ID: "m-sms", Channel: notify.SMS, To: []string{"+15551230000"},
		Text: "duehub: 2 vendors, USD 310.00 due. https://hub.example/s/Ab3dE",
	})
	if err != nil {
		t.Fatal(err)
	}
	return newHubWithOutbox(t, db, box), outboxID(t, email), outboxID(t, sms), start
}

func outboxID(t *testing.T, r notify.Result) int64 {
	t.Helper()
	id, err := strconv.ParseInt(strings.TrimPrefix(r.ProviderID, "outbox-"), 10, 64)
	if err != nil {
		t.Fatalf("provider id %q is not outbox-<id>", r.ProviderID)
	}
	return id
}

func checkOutboxHeaders(t *testing.T, r response) {
	t.Helper()
	csp := r.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("Content-Security-Policy = %q: want default-src 'none' and no script source", csp)
	}
	if got := r.header.Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("Referrer-Policy = %q, want no-referrer", got)
	}
}

func TestOutboxJSON(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h, emailID, smsID, start := outboxFixture(t, db, "<p>Hello Acme</p>")

		r := h.do("GET", "/dev/outbox.json", "", nil)
		if r.status != http.StatusOK {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		checkOutboxHeaders(t, r)
		var out struct {
			Messages []map[string]any `json:"messages"`
		}
		r.json(t, &out)
		if len(out.Messages) != 2 {
			t.Fatalf("got %d messages, want 2: %s", len(out.Messages), r.body)
		}
		sms, email := out.Messages[0], out.Messages[1]
		for _, m := range out.Messages {
			for _, k := range []string{"id", "channel", "to", "cc", "bcc", "subject", "text", "html", "headers", "created_at"} {
				if _, ok := m[k]; !ok {
					t.Errorf("message %v lacks key %q", m["id"], k)
				}
			}
		}
		if sms["id"] != float64(smsID) || email["id"] != float64(emailID) {
			t.Fatalf("ids %v, %v; want newest first: %d, %d", sms["id"], email["id"], smsID, emailID)
		}
		if sms["channel"] != "sms" || email["channel"] != "email" {
			t.Errorf("channels %v, %v", sms["channel"], email["channel"])
		}
		if got := strs(email["to"]); !slices.Equal(got, []string{"ap@acme.example"}) {
			t.Errorf("email to = %v", got)
		}
		if got := strs(email["cc"]); !slices.Equal(got, []string{"cfo@acme.example"}) {
			t.Errorf("email cc = %v", got)
		}
		if got := strs(email["bcc"]); !slices.Equal(got, []string{"audit@acme.example"}) {
			t.Errorf("email bcc = %v", got)
		}
		if cc, ok := sms["cc"].([]any); !ok || len(cc) != 0 {
			t.Errorf("SMS cc = %#v, want []", sms["cc"])
		}
		if email["subject"] != "3 vendors · 7 invoices · USD 12,340.00 due" || email["html"] != "<p>Hello Acme</p>" {
			t.Errorf("email subject/html = %q / %q", email["subject"], email["html"])
		}
		if !strings.HasPrefix(sms["text"].(string), "duehub: 2 vendors") {
			t.Errorf("SMS text = %q", sms["text"])
		}
		if hd, _ := email["headers"].(map[string]any); hd["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" {
			t.Errorf("email headers = %v", email["headers"])
		}
		created, err := time.Parse(time.RFC3339, email["created_at"].(string))
		if err != nil || !created.Equal(start) {
			t.Errorf("email created_at = %v (%v), want %v", email["created_at"], err, start)
		}

		r = h.do("GET", "/dev/outbox.json?limit=1", "", nil)
		r.json(t, &out)
		if len(out.Messages) != 1 || out.Messages[0]["id"] != float64(smsID) {
			t.Errorf("limit=1 gave %s, want the SMS only", r.body)
		}
		for _, bad := range []string{"0", "1001", "ten"} {
			p := h.do("GET", "/dev/outbox.json?limit="+bad, "", nil).problem(t, http.StatusUnprocessableEntity)
			fieldMessage(t, p.Errors, "limit")
		}
	})
}

func strs(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func TestOutboxListPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h, emailID, smsID, _ := outboxFixture(t, db, "")
		r := h.do("GET", "/dev/outbox", "", nil)
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			t.Fatalf("status %d, Content-Type %q", r.status, r.header.Get("Content-Type"))
		}
		checkOutboxHeaders(t, r)
		doc := parseHTML(t, r.body)
		if h1 := text(find(doc, "h1")); h1 != "Dev outbox" {
			t.Errorf("h1 = %q", h1)
		}
		var links []string
		for _, a := range findAll(doc, "a") {
			links = append(links, attr(a, "href")+" "+text(a))
		}
		want := []string{
			"/dev/outbox/" + strconv.FormatInt(smsID, 10) + " duehub: 2 vendors, USD 310.00 due. https://hub.example/s/Ab3dE",
			"/dev/outbox/" + strconv.FormatInt(emailID, 10) + " 3 vendors · 7 invoices · USD 12,340.00 due",
		}
		if i := slices.Index(links, want[0]); i < 0 || i+1 >= len(links) || links[i+1] != want[1] {
			t.Errorf("links %q\nwant, in this order, %q", links, want)
		}
		if body := string(r.body); !strings.Contains(body, "cfo@acme.example") || strings.Contains(body, "audit@acme.example") {
			t.Error("the list must show To and CC, and keep BCC for the message page")
		}
	})
}

func TestOutboxMessagePageSandboxesHTML(t *testing.T) {
	const evil = `<!DOCTYPE html><html><head><title>x</title></head><body><p>Pay now</p>` +
		`<script>alert(document.cookie)</script><a href="https://pay.vendor.example/i/1" onclick="steal()">Pay</a></body></html>`
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h, emailID, smsID, _ := outboxFixture(t, db, evil)
		r := h.do("GET", "/dev/outbox/"+strconv.FormatInt(emailID, 10), "", nil)
		if r.status != http.StatusOK {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		checkOutboxHeaders(t, r)
		doc := parseHTML(t, r.body)
		if s := find(doc, "script"); s != nil {
			t.Fatal("the page holds a live <script> element")
		}
		for _, n := range findAll(doc, "*") {
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") {
					t.Fatalf("live event handler %s on <%s>", a.Key, n.Data)
				}
			}
		}
		frames := findAll(doc, "iframe")
		if len(frames) != 1 {
			t.Fatalf("%d iframes, want 1", len(frames))
		}
		f := frames[0]
		sandbox, ok := attrOK(f, "sandbox")
		if !ok {
			t.Fatal("the preview iframe is not sandboxed")
		}
		for _, token := range strings.Fields(sandbox) {
			if token == "allow-scripts" || token == "allow-same-origin" || strings.HasPrefix(token, "allow-top-navigation") {
				t.Errorf("sandbox grants %s", token)
			}
		}
		srcdoc := attr(f, "srcdoc")
		if !strings.Contains(srcdoc, "<script>alert(document.cookie)</script>") || !strings.Contains(srcdoc, "<p>Pay now</p>") {
			t.Errorf("srcdoc does not carry the message HTML: %q", srcdoc)
		}
		if !strings.HasPrefix(srcdoc, "<!DOCTYPE html>") {
			t.Errorf("srcdoc must keep the message's doctype first: %q", srcdoc)
		}
		if got := text(find(doc, "h1")); got != "3 vendors · 7 invoices · USD 12,340.00 due" {
			t.Errorf("h1 = %q", got)
		}
		body := text(doc)
		for _, want := range []string{"Hello Acme,\nyou have 7 invoices due.", "List-Unsubscribe-Post", "audit@acme.example", "m-email"} {
			if !strings.Contains(body, want) {
				t.Errorf("message page lacks %q", want)
			}
		}

		// An SMS has no HTML part: no frame at all, the text in full.
		r = h.do("GET", "/dev/outbox/"+strconv.FormatInt(smsID, 10), "", nil)
		doc = parseHTML(t, r.body)
		if r.status != http.StatusOK || find(doc, "iframe") != nil || !strings.Contains(text(find(doc, "pre")), "https://hub.example/s/Ab3dE") {
			t.Errorf("SMS page: status %d, body %s", r.status, r.body)
		}

		for _, id := range []string{strconv.FormatInt(smsID+1000, 10), "abc", "0"} {
			h.do("GET", "/dev/outbox/"+id, "", nil).problem(t, http.StatusNotFound)
		}
	})
}

func TestOutboxRoutesNeedTheOutbox(t *testing.T) {
	h := newHub(t, dbtest.SQLite(t))
	for _, path := range []string{"/dev/outbox", "/dev/outbox.json", "/dev/outbox/1"} {
		h.do("GET", path, "", nil).problem(t, http.StatusNotFound)
	}
}

func TestOutboxPreview(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"<p>hi</p>", `<base target="_blank"><p>hi</p>`},
		{"<!doctype html><p>hi</p>", `<!doctype html><base target="_blank"><p>hi</p>`},
		{`<!DOCTYPE html><html><HEAD lang="en"><title>t</title></HEAD>`, `<!DOCTYPE html><html><HEAD lang="en"><base target="_blank"><title>t</title></HEAD>`},
		{`<html><header>x</header><head></head>`, `<html><header>x</header><head><base target="_blank"></head>`},
	}
	for _, tt := range tests {
		if got := outboxPreview(tt.in); got != tt.want {
			t.Errorf("outboxPreview(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func parseHTML(t *testing.T, b []byte) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// findAll returns the elements named tag ("*" for all), in document order.
func findAll(n *html.Node, tag string) []*html.Node {
	var out []*html.Node
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && (tag == "*" || d.Data == tag) {
			out = append(out, d)
		}
	}
	return out
}

func find(n *html.Node, tag string) *html.Node {
	if all := findAll(n, tag); len(all) > 0 {
		return all[0]
	}
	return nil
}

func attrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func attr(n *html.Node, key string) string { v, _ := attrOK(n, key); return v }

// text is the text content of n, as a user reads it.
func text(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return strings.TrimSpace(b.String())
}
