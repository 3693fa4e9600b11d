package handlers

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/links"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

// BenchmarkPortalInbox serves GET /portal of the bench's heavy payer (200
// open invoices from 20 vendors) through the real router, on each database:
// the cost of one inbox page, queries and rendering, without the network.
//
//	go test -run '^$' -bench PortalInbox -benchtime 200x ./handlers/
func BenchmarkPortalInbox(b *testing.B) {
	for _, d := range []struct {
		name string
		open func(testing.TB) *database.DB
	}{{"sqlite", dbtest.SQLite}, {"postgres", dbtest.Postgres}} {
		b.Run(d.name, func(b *testing.B) {
			handler, cookie := heavyInbox(b, d.open(b))
			req := httptest.NewRequest(http.MethodGet, "/portal", nil)
			req.Header.Set("Cookie", cookie)
			b.ReportAllocs()
			b.ResetTimer()
			cpu := processCPU()
			for range b.N {
				w := httptest.NewRecorder()
				handler.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("inbox: %d %s", w.Code, w.Body)
				}
			}
			// On a shared machine wall time says little; the hub's own CPU
			// time per page (the database's is not in it) says more.
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var r syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &r); err != nil {
		return 0
	}
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}

// heavyInbox fills db with one payer owing 200 invoices to 20 vendors and
// returns the hub's handler and that payer's session cookie.
func heavyInbox(b testing.TB, db *database.DB) (http.Handler, string) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	ps := payers.NewStore(db.Gorm, clock)
	vs := vendors.NewStore(db.Gorm, ps, clock)
	if err := vs.UseSecretKey(testHubSecret); err != nil {
		b.Fatal(err)
	}
	for v := range 20 {
		vendor, err := vs.CreateVendor(ctx, vendors.NewVendor{Name: fmt.Sprintf("Vendor %02d", v), Domain: fmt.Sprintf("v%d.example", v)})
		if err != nil {
			b.Fatal(err)
		}
		var batch []vendors.InvoiceInput
		for i := range 10 {
			amount := int64(1000 + 37*i + v)
			ext := fmt.Sprintf("V%d-%03d", v, i)
			batch = append(batch, vendors.InvoiceInput{ExternalID: ext, Number: ext, Currency: "USD", AmountDue: &amount,
				DueDate: now.AddDate(0, 0, i*5-20).Format("2006-01-02"), PayURL: "https://pay.example/" + ext,
				Customer: vendors.CustomerInput{ExternalID: "C-heavy", Name: "Heavy Payer", Email: "ap@heavy.example"}})
		}
		// Another payer of the same vendors, whose invoices the inbox must skip.
		other := int64(5)
		batch = append(batch, vendors.InvoiceInput{ExternalID: fmt.Sprintf("O%d", v), Number: "O", Currency: "USD", AmountDue: &other,
			DueDate: "2026-11-30", PayURL: "https://pay.example/o", Customer: vendors.CustomerInput{ExternalID: "C-other", Email: "ap@other.example"}})
		if _, err := vs.PushInvoices(ctx, vendor.ID, batch); err != nil {
			b.Fatal(err)
		}
	}
	payer, err := ps.FindByEmail(ctx, "ap@heavy.example")
	if err != nil {
		b.Fatal(err)
	}
	const secret = "portal-secret-portal-secret-xxxx"
	srv := httptest.NewServer(nil)
	b.Cleanup(srv.Close)
	signer := links.NewSigner(secret, srv.URL, clock)
	srv.Config.Handler = New(Config{Vendors: vs, Payers: ps, Threads: threads.NewStore(db.Gorm, ps, clock), Links: signer, Now: clock, PublicURL: srv.URL, Secret: secret,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Registry: prometheus.NewRegistry(),
		Ready: func(context.Context) error { return nil }})
	tok, err := signer.Token(links.Link{PayerID: payer.ID, Generation: payer.TokenGeneration, Action: links.ActionInbox})
	if err != nil {
		b.Fatal(err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(srv.URL + "/l/" + tok)
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Value != "" {
			return srv.Config.Handler, c.Name + "=" + c.Value
		}
	}
	b.Fatalf("no session from the inbox link: %s", resp.Status)
	return nil, ""
}
