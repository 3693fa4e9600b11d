// Command client runs a vendor's integration against a running hub through
// a Go client generated from the hub's own OpenAPI file (.ci/client-scenario
// generates package duehub, then runs this). It prints PASS, or FAIL with
// every check that failed, and exits non-zero on failure.
//
// Environment: DUEHUB_URL (the hub), DUEHUB_API_KEY (a vendor's key),
// DUEHUB_DIGESTS (a command that runs
// `duehub digests run --now <its argument>` as an operator would, stopping
// and restarting serve around it: another clock refuses to run beside a
// live serve) and the hub's DUEHUB_DATABASE_URL. The hub must let webhooks reach
// loopback (DUEHUB_WEBHOOKS_ALLOW_PRIVATE=true): the scenario receives its
// endpoint's deliveries on 127.0.0.1.
package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"duehub.ci/client/duehub"
)

type scenario struct {
	ctx      context.Context
	base     string
	key      string
	c        *duehub.ClientWithResponses
	http     *http.Client // counts what the hub answers, for c and the raw requests
	answers  *statusCounter
	failures []string
	step     string
}

// statusCounter is a RoundTripper that counts the hub's answers and keeps
// the requests that were answered 429.
type statusCounter struct {
	mu      sync.Mutex
	total   int
	limited []string
}

func (sc *statusCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		sc.mu.Lock()
		sc.total++
		if resp.StatusCode == http.StatusTooManyRequests {
			sc.limited = append(sc.limited, r.Method+" "+r.URL.Path+" (Retry-After "+resp.Header.Get("Retry-After")+")")
		}
		sc.mu.Unlock()
	}
	return resp, err
}

func (s *scenario) failf(format string, args ...any) {
	s.failures = append(s.failures, s.step+": "+fmt.Sprintf(format, args...))
}

// fatal ends the scenario: what follows depends on this step.
type fatal struct{}

func (s *scenario) must(ok bool, format string, args ...any) {
	if !ok {
		s.failf(format, args...)
		panic(fatal{})
	}
}

func main() {
	base, key := os.Getenv("DUEHUB_URL"), os.Getenv("DUEHUB_API_KEY")
	if base == "" || key == "" || os.Getenv("DUEHUB_DIGESTS") == "" {
		fmt.Println("FAIL: set DUEHUB_URL, DUEHUB_API_KEY and DUEHUB_DIGESTS")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	answers := &statusCounter{}
	hc := &http.Client{Transport: answers, Timeout: 30 * time.Second}
	c, err := duehub.NewClientWithResponses(base, duehub.WithHTTPClient(hc),
		duehub.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+key)
			return nil
		}))
	if err != nil {
		fmt.Println("FAIL: client:", err)
		os.Exit(1)
	}
	s := &scenario{ctx: ctx, base: base, key: key, c: c, http: hc, answers: answers}
	s.run()
	s.noRateLimit()
	if len(s.failures) > 0 {
		fmt.Printf("FAIL: generated-client scenario, %d failed checks:\n", len(s.failures))
		for _, f := range s.failures {
			fmt.Println("  -", f)
		}
		os.Exit(1)
	}
	fmt.Printf("PASS: generated-client scenario (push, batch with bad items, pagination, events, strict input, "+
		"updated_after, HEAD, webhook endpoints with secret roll, update and signed test event; %d requests, no 429)\n",
		answers.total)
}

func (s *scenario) run() {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(fatal); !ok {
				s.failf("panic: %v", r)
			}
		}
	}()
	// A Tuesday at 14:00 UTC, when a digest of invoices due that day goes
	// out: the default cadence is the payer's weekly rhythm, Tuesday 09:00
	// for a payer the network has not learned yet, and a window older than
	// the stale limit is skipped, so any other weekday would send nothing.
	// It is at least two weeks ahead: the invoices reach none of their
	// reminder points (the first is 7 days before the due date) on the real
	// clock, so serve's own planner sends nothing and `digests run --now`
	// sends the one digest. (With today's date, serve would send it as soon
	// as it runs past the payers' 09:00 window, racing the scenario.)
	day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 14)
	for day.Weekday() != time.Tuesday {
		day = day.AddDate(0, 0, 1)
	}
	s.push(day)
	batched := s.batch(day)
	s.paginate(append([]string{"INV-CS-1"}, batched...))
	s.events(day, batched)
	s.strictInput(day)
	s.head()
	s.webhookEndpoints()
}

func str(v string) *string { return &v }

func (s *scenario) customer() duehub.CustomerInput {
	return duehub.CustomerInput{ExternalId: "C-CS", Name: str("Client Scenario Payer"), Email: str("ap@payer.example")}
}

// push creates one invoice with PUT, pushes it again unchanged and reads it
// back: amounts beyond 32 bits come back exact.
func (s *scenario) push(day time.Time) {
	s.step = "PUT /v1/invoices/{external_id}"
	in := duehub.InvoiceInput{
		Customer: s.customer(), Currency: "USD", AmountDue: 9_000_000_001,
		DueDate: openapi_types.Date{Time: day}, Number: str("CS-1"),
	}
	r, err := s.c.PutInvoiceWithResponse(s.ctx, "INV-CS-1", in)
	s.must(err == nil, "%v", err)
	s.must(r.StatusCode() == 201 && r.JSON201 != nil, "first push: %d %s", r.StatusCode(), r.Body)
	if r.JSON201.AmountRemaining != 9_000_000_001 || r.JSON201.Status != "open" {
		s.failf("created invoice: %+v", *r.JSON201)
	}
	r, err = s.c.PutInvoiceWithResponse(s.ctx, "INV-CS-1", in)
	s.must(err == nil, "%v", err)
	if r.StatusCode() != 200 || r.JSON200 == nil {
		s.failf("same push again: %d %s, want 200", r.StatusCode(), r.Body)
	}
	g, err := s.c.GetInvoiceWithResponse(s.ctx, "INV-CS-1")
	s.must(err == nil && g.JSON200 != nil, "read back: %v %s", err, g.Body)
	if g.JSON200.AmountDue != 9_000_000_001 || g.JSON200.Customer.ExternalId != "C-CS" {
		s.failf("read back: %+v", *g.JSON200)
	}

	// A bad push names every bad field; the problem's type resolves to its page.
	bad := in
	bad.Currency, bad.AmountDue = "usd", -5
	r, err = s.c.PutInvoiceWithResponse(s.ctx, "INV-CS-BAD", bad)
	s.must(err == nil, "%v", err)
	s.must(r.StatusCode() == 422 && r.ApplicationproblemJSON422 != nil, "bad push: %d %s, want 422", r.StatusCode(), r.Body)
	p := r.ApplicationproblemJSON422
	if p.Code != "validation_failed" || !hasFields(p.Errors, "currency", "amount_due") {
		s.failf("bad push problem: %s", r.Body)
	}
	s.problemPage(r.HTTPResponse.Request.URL, p.Type, p.Code)
}

func hasFields(errs *[]duehub.FieldError, fields ...string) bool {
	if errs == nil {
		return false
	}
	for _, f := range fields {
		if !slices.ContainsFunc(*errs, func(e duehub.FieldError) bool { return e.Field == f }) {
			return false
		}
	}
	return true
}

// problemPage resolves a problem's type against the request URL, as RFC 9457
// says, and GETs the page, which must name the code.
func (s *scenario) problemPage(reqURL *url.URL, typ, code string) {
	ref, err := url.Parse(typ)
	if err != nil {
		s.failf("problem type %q: %v", typ, err)
		return
	}
	u := reqURL.ResolveReference(ref)
	resp, err := http.Get(u.String())
	if err != nil {
		s.failf("GET %s: %v", u, err)
		return
	}
	defer resp.Body.Close()
	page, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 || !strings.Contains(string(page), "<code>"+code+"</code>") {
		s.failf("GET %s (the type of %s): %d", u, code, resp.StatusCode)
	}
}

// batch pushes three good invoices and two bad ones: the good are stored,
// the bad each name their fields; a retry with the same Idempotency-Key is a
// replay.
func (s *scenario) batch(day time.Time) []string {
	s.step = "POST /v1/invoices/batch"
	item := func(id string, amount int64, currency string) duehub.InvoiceBatchItem {
		return duehub.InvoiceBatchItem{ExternalId: id, Customer: s.customer(), Currency: currency,
			AmountDue: amount, DueDate: openapi_types.Date{Time: day}}
	}
	body := duehub.InvoiceBatchRequest{Invoices: []duehub.InvoiceBatchItem{
		item("INV-CS-2", 1000, "USD"),
		item("INV-CS-3", 2000, "USD"),
		item("INV-CS-BAD-1", -1, "USD"),
		item("INV-CS-4", 3000, "USD"),
		item("INV-CS-BAD-2", 100, "dollars"),
	}}
	key := fmt.Sprintf("client-scenario-%d", time.Now().UnixNano())
	params := &duehub.BatchInvoicesParams{IdempotencyKey: &key}
	r, err := s.c.BatchInvoicesWithResponse(s.ctx, params, body)
	s.must(err == nil, "%v", err)
	s.must(r.StatusCode() == 200 && r.JSON200 != nil, "%d %s", r.StatusCode(), r.Body)
	res := r.JSON200
	if res.Counts.Created != 3 || res.Counts.Error != 2 || len(res.Results) != 5 {
		s.failf("counts %+v over %d results, want 3 created and 2 errors", res.Counts, len(res.Results))
	}
	wantField := map[int]string{2: "amount_due", 4: "currency"}
	for _, it := range res.Results {
		field, bad := wantField[it.Index]
		switch {
		case bad && (it.Result != "error" || !hasFields(it.Errors, field)):
			s.failf("item %d (%s): %s, errors %v; want an error on %s", it.Index, it.ExternalId, it.Result, it.Errors, field)
		case !bad && it.Result != "created":
			s.failf("item %d (%s): %s, want created", it.Index, it.ExternalId, it.Result)
		}
	}
	again, err := s.c.BatchInvoicesWithResponse(s.ctx, params, body)
	s.must(err == nil, "%v", err)
	if again.StatusCode() != 200 || again.Headers200 == nil || again.Headers200.IdempotentReplayed == nil ||
		*again.Headers200.IdempotentReplayed != "true" || string(again.Body) != string(r.Body) {
		s.failf("retry with the same Idempotency-Key: %d %s, want the first answer replayed", again.StatusCode(), again.Body)
	}
	return []string{"INV-CS-2", "INV-CS-3", "INV-CS-4"}
}

// paginate lists the invoices two by two with the cursor: each invoice
// exactly once, none of the refused ones.
func (s *scenario) paginate(want []string) {
	s.step = "GET /v1/invoices"
	limit := 2
	params := &duehub.ListInvoicesParams{Limit: &limit}
	var seen []string
	for page := 0; ; page++ {
		s.must(page < 10, "no last page after 10 pages: %v", seen)
		r, err := s.c.ListInvoicesWithResponse(s.ctx, params)
		s.must(err == nil && r.JSON200 != nil, "page %d: %v %s", page, err, r.Body)
		if len(r.JSON200.Data) > limit {
			s.failf("page %d has %d invoices, limit %d", page, len(r.JSON200.Data), limit)
		}
		for _, inv := range r.JSON200.Data {
			seen = append(seen, inv.ExternalId)
		}
		if r.JSON200.NextCursor == nil {
			break
		}
		params.Cursor = r.JSON200.NextCursor
	}
	got := slices.Clone(seen)
	slices.Sort(got)
	exp := slices.Clone(want)
	slices.Sort(exp)
	if !slices.Equal(got, exp) {
		s.failf("paginated invoices %v, want each of %v once", seen, want)
	}
}

// events sends the due digests as the operator's scheduler would, then
// reads the feed one event at a time, typed by the discriminator.
func (s *scenario) events(day time.Time, batched []string) {
	s.step = "GET /v1/events"
	now := day.Add(14 * time.Hour).Format(time.RFC3339)
	out, err := exec.CommandContext(s.ctx, os.Getenv("DUEHUB_DIGESTS"), now).CombinedOutput()
	s.must(err == nil, "duehub digests run: %v\n%s", err, out)

	limit := 1
	params := &duehub.ListEventsParams{Limit: &limit}
	var delivered []duehub.DigestDeliveredEvent
	for page := 0; ; page++ {
		s.must(page < 20, "no end of the feed after 20 pages")
		r, err := s.c.ListEventsWithResponse(s.ctx, params)
		s.must(err == nil && r.JSON200 != nil, "page %d: %v %s", page, err, r.Body)
		for _, ev := range r.JSON200.Data {
			typ, err := ev.Discriminator()
			if err != nil {
				s.failf("event without a type: %v", err)
				continue
			}
			v, err := ev.ValueByDiscriminator()
			if err != nil {
				s.failf("event of type %s: %v", typ, err)
				continue
			}
			if d, ok := v.(duehub.DigestDeliveredEvent); ok {
				delivered = append(delivered, d)
			}
		}
		s.must(r.JSON200.NextCursor != nil || len(r.JSON200.Data) == 0, "next_cursor null after events")
		if !r.JSON200.HasMore {
			break
		}
		params.After = r.JSON200.NextCursor
	}
	s.must(len(delivered) == 1, "%d digest.delivered events, want 1 (digests run said %s)", len(delivered), out)
	d := delivered[0].Data
	want := append([]string{"INV-CS-1"}, batched...)
	got := slices.Clone(d.InvoiceIds)
	slices.Sort(got)
	slices.Sort(want)
	if d.Channel != "email" || !slices.Equal(got, want) || !strings.HasPrefix(delivered[0].Id, "evt_") {
		s.failf("digest.delivered: %+v, want the email digest of %v", delivered[0], want)
	}
}

// strictInput sends what the hub refuses rather than stores loosely, and
// syncs by updated_after: only the invoice changed after the instant comes
// back.
func (s *scenario) strictInput(day time.Time) {
	s.step = "strict input"
	in := duehub.InvoiceInput{
		Customer: s.customer(), Currency: "USD", AmountDue: 500,
		DueDate: openapi_types.Date{Time: day}, Memo: str("PO\x004471"),
	}
	r, err := s.c.PutInvoiceWithResponse(s.ctx, "INV-CS-NUL", in)
	s.must(err == nil, "%v", err)
	if r.StatusCode() != 422 || r.ApplicationproblemJSON422 == nil ||
		r.ApplicationproblemJSON422.Code != "validation_failed" || !hasFields(r.ApplicationproblemJSON422.Errors, "memo") {
		s.failf("memo with a NUL: %d %s, want 422 validation_failed naming memo", r.StatusCode(), r.Body)
	}
	g, err := s.c.GetInvoiceWithResponse(s.ctx, "INV-CS-NUL")
	s.must(err == nil, "%v", err)
	if g.StatusCode() != 404 {
		s.failf("the refused invoice: GET %d %s, want 404 (nothing stored)", g.StatusCode(), g.Body)
	}

	s.step = "GET /v1/invoices?updated_after"
	// The hub runs on this machine: its updated_at of the push below is
	// later than since, and every other invoice's is earlier.
	since := time.Now().UTC()
	changed := duehub.InvoiceInput{
		Customer: s.customer(), Currency: "USD", AmountDue: 2500,
		DueDate: openapi_types.Date{Time: day}, Memo: str("amount corrected"),
	}
	r, err = s.c.PutInvoiceWithResponse(s.ctx, "INV-CS-3", changed)
	s.must(err == nil, "%v", err)
	s.must(r.StatusCode() == 200 && r.JSON200 != nil, "change INV-CS-3: %d %s", r.StatusCode(), r.Body)
	if !r.JSON200.UpdatedAt.After(since) {
		s.failf("changed invoice updated_at %s, not after %s", r.JSON200.UpdatedAt, since)
	}
	l, err := s.c.ListInvoicesWithResponse(s.ctx, &duehub.ListInvoicesParams{UpdatedAfter: &since})
	s.must(err == nil && l.JSON200 != nil, "%v %s", err, l.Body)
	var ids []string
	for _, inv := range l.JSON200.Data {
		ids = append(ids, inv.ExternalId)
	}
	if !slices.Equal(ids, []string{"INV-CS-3"}) || l.JSON200.Data[0].AmountDue != 2500 {
		s.failf("updated_after %s: %v, want INV-CS-3 alone with amount_due 2500", since.Format(time.RFC3339Nano), ids)
	}
	later := time.Now().UTC().Add(time.Minute)
	l, err = s.c.ListInvoicesWithResponse(s.ctx, &duehub.ListInvoicesParams{UpdatedAfter: &later})
	s.must(err == nil && l.JSON200 != nil, "%v %s", err, l.Body)
	if len(l.JSON200.Data) != 0 {
		s.failf("updated_after a minute ahead: %s, want no invoice", l.Body)
	}
}

// head asks for an invoice with HEAD, which the generated client has no
// method for: the GET's status and headers, no body.
func (s *scenario) head() {
	s.step = "HEAD /v1/invoices/{external_id}"
	get, err := s.c.GetInvoiceWithResponse(s.ctx, "INV-CS-1")
	s.must(err == nil && get.StatusCode() == 200, "GET: %v", err)
	for _, c := range []struct {
		id     string
		status int
	}{{"INV-CS-1", 200}, {"INV-CS-NONE", 404}} {
		req, err := http.NewRequestWithContext(s.ctx, http.MethodHead, s.base+"/v1/invoices/"+url.PathEscape(c.id), nil)
		s.must(err == nil, "%v", err)
		req.Header.Set("Authorization", "Bearer "+s.key)
		resp, err := s.http.Do(req)
		s.must(err == nil, "HEAD %s: %v", c.id, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		ct, cl := resp.Header.Get("Content-Type"), resp.Header.Get("Content-Length")
		switch {
		case resp.StatusCode != c.status:
			s.failf("HEAD %s: %d, want %d", c.id, resp.StatusCode, c.status)
		case len(body) != 0:
			s.failf("HEAD %s has a body: %q", c.id, body)
		case resp.Header.Get("Request-Id") == "":
			s.failf("HEAD %s: no Request-Id", c.id)
		case c.status == 200 && !strings.HasPrefix(ct, "application/json"):
			s.failf("HEAD %s: Content-Type %q, want the GET's application/json", c.id, ct)
		case c.status == 200 && cl != "" && cl != strconv.Itoa(len(get.Body)):
			s.failf("HEAD %s: Content-Length %s, the GET's body has %d bytes", c.id, cl, len(get.Body))
		case c.status == 404 && !strings.HasPrefix(ct, "application/problem+json"):
			s.failf("HEAD %s: Content-Type %q, want application/problem+json", c.id, ct)
		}
	}
}

// noRateLimit: the scenario sends a few dozen requests, far under the
// default limit of 100 a second per API key, so no answer is a 429.
func (s *scenario) noRateLimit() {
	s.step = "rate limit"
	s.answers.mu.Lock()
	defer s.answers.mu.Unlock()
	if len(s.answers.limited) > 0 {
		s.failf("%d of %d requests were answered 429: %v", len(s.answers.limited), s.answers.total, s.answers.limited)
	}
}

// delivery is one webhook request the receiver got.
type delivery struct {
	header http.Header
	body   []byte
	at     time.Time
}

// receiver is the vendor's webhook receiver, on loopback; it answers 200
// to every delivery and keeps it.
type receiver struct {
	srv *http.Server
	url string
	mu  sync.Mutex
	got []delivery
}

func startReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rc := &receiver{url: "http://" + ln.Addr().String() + "/duehub-hook"}
	rc.srv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil || r.Method != http.MethodPost || r.URL.Path != "/duehub-hook" {
			http.Error(w, "not a delivery", http.StatusBadRequest)
			return
		}
		rc.mu.Lock()
		rc.got = append(rc.got, delivery{header: r.Header.Clone(), body: body, at: time.Now()})
		rc.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	})}
	go rc.srv.Serve(ln)
	return rc, nil
}

// wait returns the delivery with this Duehub-Delivery-Id, waiting at most
// timeout for it.
func (rc *receiver) wait(ctx context.Context, deliveryID string, timeout time.Duration) (delivery, bool) {
	deadline := time.Now().Add(timeout)
	for {
		rc.mu.Lock()
		i := slices.IndexFunc(rc.got, func(d delivery) bool { return d.header.Get("Duehub-Delivery-Id") == deliveryID })
		var d delivery
		if i >= 0 {
			d = rc.got[i]
		}
		rc.mu.Unlock()
		if i >= 0 {
			return d, true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return delivery{}, false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// signatures reads a Duehub-Signature header: t=<unix time>,v1=<hex>[,v1=<hex>…].
func signatures(header string) (t int64, v1 []string, err error) {
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			if t, err = strconv.ParseInt(v, 10, 64); err != nil {
				return 0, nil, fmt.Errorf("t: %w", err)
			}
		case "v1":
			v1 = append(v1, v)
		default:
			return 0, nil, fmt.Errorf("unknown part %q", part)
		}
	}
	if t == 0 || len(v1) == 0 {
		return 0, nil, fmt.Errorf("no t or no v1")
	}
	return t, v1, nil
}

// signedBy reports whether one of the v1 signatures is
// HMAC-SHA256(secret, "<t>.<body>"), compared in constant time.
func signedBy(secret string, t int64, body []byte, v1 []string) bool {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d.", t)
	mac.Write(body)
	want := mac.Sum(nil)
	for _, v := range v1 {
		if got, err := hex.DecodeString(v); err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

// webhookEndpoints registers an endpoint on a receiver of its own, is
// refused an unknown event type, rolls the signing secret, changes the
// event types, has a test event sent and verifies its signature with both
// secrets of the overlap, and lists its endpoints without their secrets.
func (s *scenario) webhookEndpoints() {
	s.step = "webhook endpoints"
	rc, err := startReceiver()
	s.must(err == nil, "webhook receiver: %v", err)
	defer rc.srv.Close()

	types := []duehub.EventType{"digest.delivered", "question.created"}
	r, err := s.c.CreateWebhookEndpointWithResponse(s.ctx, nil, duehub.WebhookEndpointInput{
		Url: rc.url, EventTypes: &types, Description: str("client scenario"),
	})
	s.must(err == nil, "%v", err)
	s.must(r.StatusCode() == 201 && r.JSON201 != nil, "register: %d %s", r.StatusCode(), r.Body)
	ep := r.JSON201
	if !strings.HasPrefix(ep.Secret, "whsec_") || ep.Status != "enabled" || len(ep.EventTypes) != 2 {
		s.failf("registered endpoint: %+v", *ep)
	}

	bad := []duehub.EventType{"invoice.eaten"}
	r, err = s.c.CreateWebhookEndpointWithResponse(s.ctx, nil, duehub.WebhookEndpointInput{
		Url: rc.url, EventTypes: &bad,
	})
	s.must(err == nil, "%v", err)
	if r.StatusCode() != 422 || r.ApplicationproblemJSON422 == nil || r.ApplicationproblemJSON422.Errors == nil {
		s.failf("unknown event type: %d %s, want 422 naming the field", r.StatusCode(), r.Body)
	}

	// Roll: a new secret, shown in this answer only; the previous one keeps
	// signing for the hour asked.
	s.step = "POST /v1/webhook-endpoints/{id}/roll-secret"
	overlap := int64(3600)
	rolledAt := time.Now()
	ro, err := s.c.RollWebhookEndpointSecretWithResponse(s.ctx, ep.Id, nil, duehub.WebhookSecretRoll{ExpiresIn: &overlap})
	s.must(err == nil, "%v", err)
	s.must(ro.StatusCode() == 200 && ro.JSON200 != nil, "roll: %d %s", ro.StatusCode(), ro.Body)
	rolled := ro.JSON200
	s.must(strings.HasPrefix(rolled.Secret, "whsec_") && rolled.Secret != ep.Secret,
		"rolled secret %q: want a new whsec_ secret, not the registered one", rolled.Secret)
	if exp := rolled.PreviousSecretExpiresAt; exp == nil ||
		exp.Before(rolledAt.Add(59*time.Minute)) || exp.After(rolledAt.Add(61*time.Minute)) {
		s.failf("previous_secret_expires_at %v, want an hour after the roll (%s)", exp, rolledAt.UTC())
	}
	if rolled.Id != ep.Id || rolled.Url != rc.url || len(rolled.EventTypes) != 2 {
		s.failf("rolled endpoint: %s, want %s unchanged but its secret", ro.Body, ep.Id)
	}
	gr, err := s.c.GetWebhookEndpointWithResponse(s.ctx, ep.Id)
	s.must(err == nil && gr.JSON200 != nil, "read back: %v %s", err, gr.Body)
	if bytes.Contains(gr.Body, []byte(rolled.Secret)) || bytes.Contains(gr.Body, []byte(ep.Secret)) || bytes.Contains(gr.Body, []byte("whsec_")) {
		s.failf("GET after the roll shows a secret: %s", gr.Body)
	}

	// Update: only the event types change; an unknown type changes nothing.
	s.step = "POST /v1/webhook-endpoints/{id}"
	only := []duehub.EventType{"question.created"}
	up, err := s.c.UpdateWebhookEndpointWithResponse(s.ctx, ep.Id, nil, duehub.WebhookEndpointUpdate{EventTypes: &only})
	s.must(err == nil, "%v", err)
	s.must(up.StatusCode() == 200 && up.JSON200 != nil, "update: %d %s", up.StatusCode(), up.Body)
	if !slices.Equal(up.JSON200.EventTypes, only) || up.JSON200.Url != rc.url ||
		up.JSON200.Description != "client scenario" || up.JSON200.Status != "enabled" {
		s.failf("updated endpoint: %s, want event_types [question.created] and the rest unchanged", up.Body)
	}
	up, err = s.c.UpdateWebhookEndpointWithResponse(s.ctx, ep.Id, nil, duehub.WebhookEndpointUpdate{EventTypes: &bad})
	s.must(err == nil, "%v", err)
	if up.StatusCode() != 422 || up.ApplicationproblemJSON422 == nil || !hasFields(up.ApplicationproblemJSON422.Errors, "event_types[0]") {
		s.failf("update to an unknown event type: %d %s, want 422 naming event_types[0]", up.StatusCode(), up.Body)
	}
	gr, err = s.c.GetWebhookEndpointWithResponse(s.ctx, ep.Id)
	s.must(err == nil && gr.JSON200 != nil, "read back: %v %s", err, gr.Body)
	if !slices.Equal(gr.JSON200.EventTypes, only) {
		s.failf("after the refused update: event_types %v, want %v", gr.JSON200.EventTypes, only)
	}

	// Test event: delivered to the receiver, signed by the new secret and,
	// during the overlap, by the previous one.
	s.step = "POST /v1/webhook-endpoints/{id}/test"
	asked := time.Now()
	te, err := s.c.SendWebhookTestEventWithResponse(s.ctx, ep.Id, nil)
	s.must(err == nil, "%v", err)
	s.must(te.StatusCode() == 202 && te.JSON202 != nil, "test event: %d %s", te.StatusCode(), te.Body)
	td := te.JSON202
	if td.EventType != "webhook.test" || !strings.HasPrefix(td.EventId, "evt_test_") {
		s.failf("test delivery: %s, want a webhook.test event with an evt_test_ id", te.Body)
	}
	d, ok := rc.wait(s.ctx, td.Id, 30*time.Second)
	s.must(ok, "delivery %s did not reach the receiver within 30 s", td.Id)
	fmt.Printf("webhook test event reached the receiver %s after it was asked for\n", d.at.Sub(asked).Round(time.Millisecond))
	var ev struct {
		ID   string `json:"id"`
		Type string `json:"type"`
		Data struct {
			EndpointID string `json:"endpoint_id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(d.body, &ev); err != nil || ev.ID != td.EventId || ev.Type != "webhook.test" || ev.Data.EndpointID != ep.Id {
		s.failf("test event body %s (%v), want webhook.test %s for %s", d.body, err, td.EventId, ep.Id)
	}
	if d.header.Get("Duehub-Event-Id") != td.EventId || d.header.Get("Duehub-Event-Type") != "webhook.test" ||
		!strings.HasPrefix(d.header.Get("Content-Type"), "application/json") {
		s.failf("test event headers: %v", d.header)
	}
	t, v1, err := signatures(d.header.Get("Duehub-Signature"))
	switch {
	case err != nil:
		s.failf("Duehub-Signature %q: %v", d.header.Get("Duehub-Signature"), err)
	case len(v1) != 2:
		s.failf("Duehub-Signature %q: %d v1 signatures during the overlap, want 2", d.header.Get("Duehub-Signature"), len(v1))
	case time.Since(time.Unix(t, 0)).Abs() > 5*time.Minute:
		s.failf("Duehub-Signature t=%d is more than 5 minutes from now", t)
	case !signedBy(rolled.Secret, t, d.body, v1[:1]):
		s.failf("the first v1 of %q is not the new secret's", d.header.Get("Duehub-Signature"))
	case !signedBy(ep.Secret, t, d.body, v1[1:]):
		s.failf("the second v1 of %q is not the previous secret's", d.header.Get("Duehub-Signature"))
	case signedBy("whsec_not"+rolled.Secret[len("whsec_"):], t, d.body, v1):
		s.failf("a wrong secret verifies %q", d.header.Get("Duehub-Signature"))
	case signedBy(rolled.Secret, t, append(slices.Clone(d.body), ' '), v1):
		s.failf("another body verifies %q", d.header.Get("Duehub-Signature"))
	}

	// The delivery log records the receiver's 200.
	s.step = "GET /v1/webhook-endpoints/{id}/deliveries"
	var logged *duehub.WebhookDelivery
	for deadline := time.Now().Add(10 * time.Second); ; {
		dl, err := s.c.ListWebhookDeliveriesWithResponse(s.ctx, ep.Id, nil)
		s.must(err == nil && dl.JSON200 != nil, "%v %s", err, dl.Body)
		if i := slices.IndexFunc(dl.JSON200.Data, func(w duehub.WebhookDelivery) bool { return w.Id == td.Id }); i >= 0 {
			logged = &dl.JSON200.Data[i]
		}
		if (logged != nil && logged.Status == duehub.WebhookDeliveryStatusDelivered) || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if logged == nil || logged.Status != duehub.WebhookDeliveryStatusDelivered || len(logged.Attempts) == 0 ||
		logged.Attempts[0].ResponseCode == nil || *logged.Attempts[0].ResponseCode != 200 {
		s.failf("delivery log of %s: %+v, want delivered with the receiver's 200", td.Id, logged)
	}

	s.step = "GET /v1/webhook-endpoints"
	l, err := s.c.ListWebhookEndpointsWithResponse(s.ctx)
	s.must(err == nil && l.JSON200 != nil, "list: %v %s", err, l.Body)
	found := slices.ContainsFunc(l.JSON200.Data, func(e duehub.WebhookEndpoint) bool { return e.Id == ep.Id })
	if len(l.JSON200.Data) != 1 || !found || bytes.Contains(l.Body, []byte("whsec_")) {
		s.failf("listed endpoints: %s, want %s alone and no secret", l.Body, ep.Id)
	}
}
