package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/duehub/duehub/analytics"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/notify/outbox"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

// portalHub is a hub with the payer portal, on a real database, with a
// settable clock shared by the stores and the server.
type portalHub struct {
	t       *testing.T
	db      *database.DB
	vendors *vendors.Store
	payers  *payers.Store
	threads *threads.Store
	outbox  *outbox.Store
	signer  *links.Signer
	srv     *httptest.Server
	now     time.Time
}

func newPortalHub(t *testing.T, db *database.DB, with ...func(*Config)) *portalHub {
	t.Helper()
	h := &portalHub{t: t, db: db, now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return h.now }
	h.payers = payers.NewStore(db.Gorm, clock)
	h.vendors = vendors.NewStore(db.Gorm, h.payers, clock)
	h.threads = threads.NewStore(db.Gorm, h.payers, clock)
	if err := h.vendors.UseSecretKey(testHubSecret); err != nil {
		t.Fatal(err)
	}
	h.outbox = outbox.New(db.Gorm, clock)
	h.srv = httptest.NewUnstartedServer(nil)
	h.srv.Start()
	t.Cleanup(h.srv.Close)
	h.signer = links.NewSigner("portal-secret-portal-secret-xxxx", h.srv.URL, clock)
	cfg := Config{
		Vendors: h.vendors, Payers: h.payers, Threads: h.threads, Links: h.signer, Outbox: h.outbox,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Registry: prometheus.NewRegistry(),
		Ready: func(context.Context) error { return nil }, Now: clock, PublicURL: h.srv.URL,
		Secret: "portal-secret-portal-secret-xxxx", Mailer: h.outbox, MailFrom: "hub@hub.example",
		Webhooks:  liftedGuard(), // receivers in tests listen on loopback
		Analytics: analytics.NewStore(db.Gorm, clock),
	}
	for _, f := range with {
		f(&cfg)
	}
	h.srv.Config.Handler = New(cfg)
	return h
}

// vendor creates a vendor.
func (h *portalHub) vendor(name string) int64 {
	v, err := h.vendors.CreateVendor(context.Background(), vendors.NewVendor{Name: name, Domain: strings.ToLower(strings.Fields(name)[0]) + ".example"})
	if err != nil {
		h.t.Fatal(err)
	}
	return v.ID
}

// invoice pushes an open USD invoice for the customer whose AP is email,
// and returns its id.
func (h *portalHub) invoice(vendorID int64, ext, email string, amount int64, due string) int64 {
	h.t.Helper()
	in := vendors.InvoiceInput{ExternalID: ext, Number: ext, Currency: "USD", AmountDue: &amount, DueDate: due,
		PayURL: "https://pay.example/" + ext, Customer: vendors.CustomerInput{ExternalID: "C-" + email, Name: "Acme", Email: email}}
	res, err := h.vendors.PushInvoices(context.Background(), vendorID, []vendors.InvoiceInput{in})
	if err != nil || res[0].Result == vendors.ResultError {
		h.t.Fatalf("push: %v %+v", err, res)
	}
	v, _ := h.vendors.GetInvoice(context.Background(), vendorID, ext)
	return v.ID
}

// payerID returns the payer of an email address.
func (h *portalHub) payerID(email string) int64 {
	p, err := h.payers.FindByEmail(context.Background(), email)
	if err != nil {
		h.t.Fatalf("payer %s: %v", email, err)
	}
	return p.ID
}

// browser is one payer's client: a cookie jar that does not follow redirects.
type browser struct {
	h      *portalHub
	client *http.Client
}

// signIn opens a digest link for the payer and returns its browser.
func (h *portalHub) signIn(email string) *browser {
	h.t.Helper()
	b := h.browser()
	p, err := h.payers.Get(context.Background(), h.payerID(email))
	if err != nil {
		h.t.Fatal(err)
	}
	tok, err := h.signer.Token(links.Link{PayerID: p.ID, Generation: p.TokenGeneration, Action: links.ActionInbox})
	if err != nil {
		h.t.Fatal(err)
	}
	if r := b.get("/l/" + tok); r.status != http.StatusSeeOther {
		h.t.Fatalf("sign in: %d %s", r.status, r.body)
	}
	return b
}

func (h *portalHub) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{h: h, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type webPage struct {
	status   int
	body     string
	location string
	header   http.Header
}

func (b *browser) get(path string) webPage {
	b.h.t.Helper()
	resp, err := b.client.Get(b.h.srv.URL + path)
	if err != nil {
		b.h.t.Fatal(err)
	}
	return readWebPage(b.h.t, resp)
}

// post submits a form, adding the CSRF token found on the page at from
// (unless the fields already carry one).
func (b *browser) post(path string, fields url.Values, from string) webPage {
	b.h.t.Helper()
	if fields == nil {
		fields = url.Values{}
	}
	if from != "" && fields.Get("csrf") == "" {
		fields.Set("csrf", csrfOf(b.h.t, b.get(from).body))
	}
	resp, err := b.client.PostForm(b.h.srv.URL+path, fields)
	if err != nil {
		b.h.t.Fatal(err)
	}
	return readWebPage(b.h.t, resp)
}

func readWebPage(t *testing.T, resp *http.Response) webPage {
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return webPage{status: resp.StatusCode, body: string(body), location: resp.Header.Get("Location"), header: resp.Header}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on the page:\n%s", body)
	}
	return m[1]
}

// events returns the types of a vendor's events, oldest first.
func (h *portalHub) events(vendorID int64) []string {
	evs, err := h.vendors.Events(context.Background(), vendorID, 0, 1000)
	if err != nil {
		h.t.Fatal(err)
	}
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}

func strconvI(n int64) string { return strconv.FormatInt(n, 10) }

func (h *portalHub) messages() []outbox.Message {
	msgs, err := h.outbox.List(context.Background(), 0)
	if err != nil {
		h.t.Fatal(err)
	}
	return msgs
}
