// Command client runs a vendor's integration against a running hub through
// a Go client generated from the hub's own OpenAPI file (.ci/client-scenario
// generates package duehub, then runs this). It prints PASS, or FAIL with
// every check that failed, and exits non-zero on failure.
//
// Environment: DUEHUB_URL (the hub), DUEHUB_API_KEY (a vendor's key),
// DUEHUB_BIN (the duehub binary, to run the digests as an operator would)
// and the hub's DUEHUB_DATABASE_URL.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"duehub.ci/client/duehub"
)

type scenario struct {
	ctx      context.Context
	base     string
	c        *duehub.ClientWithResponses
	failures []string
	step     string
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
	if base == "" || key == "" || os.Getenv("DUEHUB_BIN") == "" {
		fmt.Println("FAIL: set DUEHUB_URL, DUEHUB_API_KEY and DUEHUB_BIN")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := duehub.NewClientWithResponses(base, duehub.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+key)
		return nil
	}))
	if err != nil {
		fmt.Println("FAIL: client:", err)
		os.Exit(1)
	}
	s := &scenario{ctx: ctx, base: base, c: c}
	s.run()
	if len(s.failures) > 0 {
		fmt.Printf("FAIL: generated-client scenario, %d failed checks:\n", len(s.failures))
		for _, f := range s.failures {
			fmt.Println("  -", f)
		}
		os.Exit(1)
	}
	fmt.Println("PASS: generated-client scenario (push, batch with bad items, pagination, events, webhook endpoints)")
}

func (s *scenario) run() {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(fatal); !ok {
				s.failf("panic: %v", r)
			}
		}
	}()
	// A weekday at 14:00 UTC, when a digest of invoices due that day goes out.
	day := time.Now().UTC().Truncate(24 * time.Hour)
	for day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
		day = day.AddDate(0, 0, -1)
	}
	s.push(day)
	batched := s.batch(day)
	s.paginate(append([]string{"INV-CS-1"}, batched...))
	s.events(day, batched)
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
	out, err := exec.CommandContext(s.ctx, os.Getenv("DUEHUB_BIN"), "digests", "run", "--now", now, "--json").CombinedOutput()
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

// webhookEndpoints registers an endpoint, is refused an unknown event type,
// and lists its endpoints without their secrets.
func (s *scenario) webhookEndpoints() {
	s.step = "webhook endpoints"
	types := []duehub.EventType{"digest.delivered", "question.created"}
	r, err := s.c.CreateWebhookEndpointWithResponse(s.ctx, nil, duehub.WebhookEndpointInput{
		Url: "http://127.0.0.1:9/duehub-hook", EventTypes: &types, Description: str("client scenario"),
	})
	s.must(err == nil, "%v", err)
	s.must(r.StatusCode() == 201 && r.JSON201 != nil, "register: %d %s", r.StatusCode(), r.Body)
	ep := r.JSON201
	if !strings.HasPrefix(ep.Secret, "whsec_") || ep.Status != "enabled" || len(ep.EventTypes) != 2 {
		s.failf("registered endpoint: %+v", *ep)
	}

	bad := []duehub.EventType{"invoice.eaten"}
	r, err = s.c.CreateWebhookEndpointWithResponse(s.ctx, nil, duehub.WebhookEndpointInput{
		Url: "http://127.0.0.1:9/duehub-hook", EventTypes: &bad,
	})
	s.must(err == nil, "%v", err)
	if r.StatusCode() != 422 || r.ApplicationproblemJSON422 == nil || r.ApplicationproblemJSON422.Errors == nil {
		s.failf("unknown event type: %d %s, want 422 naming the field", r.StatusCode(), r.Body)
	}

	// ROLL: roll the signing secret of ep here once the API has the
	// operation (issue 9, item 11: both secrets valid during the overlap),
	// and check the new secret differs from ep.Secret.

	l, err := s.c.ListWebhookEndpointsWithResponse(s.ctx)
	s.must(err == nil && l.JSON200 != nil, "list: %v %s", err, l.Body)
	found := slices.ContainsFunc(l.JSON200.Data, func(e duehub.WebhookEndpoint) bool { return e.Id == ep.Id })
	if len(l.JSON200.Data) != 1 || !found || strings.Contains(string(l.Body), ep.Secret) {
		s.failf("listed endpoints: %s, want %s alone and no secret", l.Body, ep.Id)
	}
}
