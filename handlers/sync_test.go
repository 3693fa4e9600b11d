package handlers

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

// pageAll follows next_cursor from path (which has a query) and returns the
// ids of every item, in order, failing on any page that is not 200.
func pageAll[L any](t *testing.T, api *hub, key, path string, items func(L) ([]string, *string)) []string {
	t.Helper()
	var got []string
	cursor := ""
	for range 20 {
		r := api.do("GET", path+cursor, key, nil)
		if r.status != 200 {
			t.Fatalf("GET %s%s: %d %s", path, cursor, r.status, r.body)
		}
		var page L
		r.json(t, &page)
		ids, next := items(page)
		got = append(got, ids...)
		if next == nil {
			return got
		}
		cursor = "&cursor=" + url.QueryEscape(*next)
	}
	t.Fatalf("GET %s: more than 20 pages", path)
	return nil
}

func invoiceIDs(l invoiceList) ([]string, *string) {
	var ids []string
	for _, v := range l.Data {
		ids = append(ids, v.ExternalID)
	}
	return ids, l.NextCursor
}

func creditIDs(l creditList) ([]string, *string) {
	var ids []string
	for _, v := range l.Data {
		ids = append(ids, v.ExternalID)
	}
	return ids, l.NextCursor
}

func threadIDs(l threadList) ([]string, *string) {
	var ids []string
	for _, v := range l.Data {
		ids = append(ids, fmt.Sprint(v.ID))
	}
	return ids, l.NextCursor
}

// TestUpdatedAfter: a vendor's sync reads only what changed since its last
// run, across pages, on invoices and credit notes.
func TestUpdatedAfter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		key := h.apiKey(h.vendor("Northwind Supplies"))
		api := h.api()
		t0 := h.now
		var all []any
		for i := 1; i <= 5; i++ {
			all = append(all, invoice(fmt.Sprintf("INV-%d", i)))
		}
		if r := api.do("POST", "/v1/invoices/batch", key, map[string]any{"invoices": all}); r.status != 200 {
			t.Fatalf("push: %d %s", r.status, r.body)
		}
		for _, id := range []string{"CN-1", "CN-2", "CN-3"} {
			api.do("PUT", "/v1/credits/"+id, key, credit(id))
		}

		h.now = t0.Add(time.Hour)
		api.do("PUT", "/v1/invoices/INV-4", key, invoice("INV-4", set("memo", "PO 4472")))
		api.do("PUT", "/v1/invoices/INV-2", key, invoice("INV-2", set("amount_remaining", 1000)))
		api.do("PUT", "/v1/invoices/INV-5", key, invoice("INV-5")) // unchanged: not a change
		api.do("PUT", "/v1/credits/CN-2", key, credit("CN-2", set("memo", "Two pallets")))

		since := url.QueryEscape(t0.Format(time.RFC3339))
		want := []string{"INV-2", "INV-4"} // id order, whatever the order of the changes
		if got := pageAll(t, api, key, "/v1/invoices?limit=1&updated_after="+since, invoiceIDs); !slices.Equal(got, want) {
			t.Errorf("invoices updated after t0, by pages of 1: %v, want %v", got, want)
		}
		// The same instant in another offset; a "+" sent unencoded arrives as a space and still works.
		paris := t0.In(time.FixedZone("CET", 3600)).Format(time.RFC3339)
		for _, v := range []string{url.QueryEscape(paris), paris} {
			if got := pageAll(t, api, key, "/v1/invoices?updated_after="+v, invoiceIDs); !slices.Equal(got, want) {
				t.Errorf("updated_after=%s: %v, want %v", v, got, want)
			}
		}
		// Strictly after: the instant of the change itself excludes it.
		if got := pageAll(t, api, key, "/v1/invoices?updated_after="+url.QueryEscape(h.now.Format(time.RFC3339Nano)), invoiceIDs); len(got) != 0 {
			t.Errorf("updated_after the last change: %v", got)
		}
		// With another filter.
		if got := pageAll(t, api, key, "/v1/invoices?status=open&customer=C-77&updated_after="+since, invoiceIDs); !slices.Equal(got, want) {
			t.Errorf("with status and customer: %v", got)
		}
		if got := pageAll(t, api, key, "/v1/credits?limit=1&updated_after="+since, creditIDs); !slices.Equal(got, []string{"CN-2"}) {
			t.Errorf("credits updated after t0: %v", got)
		}
		if got := pageAll(t, api, key, "/v1/credits?limit=2", creditIDs); len(got) != 3 {
			t.Errorf("credits without updated_after: %v", got)
		}

		// A change of the customer alone is a change of the invoice pushed with it.
		h.now = t0.Add(2 * time.Hour)
		api.do("PUT", "/v1/invoices/INV-3", key, invoice("INV-3", set("customer.name", "Acme Corporation")))
		since = url.QueryEscape(t0.Add(time.Hour).Format(time.RFC3339))
		if got := pageAll(t, api, key, "/v1/invoices?updated_after="+since, invoiceIDs); !slices.Equal(got, []string{"INV-3"}) {
			t.Errorf("after a customer rename: %v", got)
		}

		for _, bad := range []string{"2026-12-01", "yesterday", "2026-12-01T25:00:00Z", "2026-12-01T10:00:00", "1764579600"} {
			for _, list := range []string{"/v1/invoices", "/v1/credits", "/v1/threads"} {
				p := api.do("GET", list+"?updated_after="+url.QueryEscape(bad), key, nil).problem(t, 422)
				fieldMessage(t, p.Errors, "updated_after")
			}
		}
	})
}

// TestThreadChangesShowInUpdatedAfter: a reply and a resolution move a
// thread into the next sync.
func TestThreadChangesShowInUpdatedAfter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind Supplies")
		key := h.apiKey(north)
		api := h.api()
		t0 := h.now
		h.askQuestions(north, 3)
		ids := pageAll(t, api, key, "/v1/threads?limit=2", threadIDs)
		if len(ids) != 3 {
			t.Fatalf("threads: %v", ids)
		}
		since := func(at time.Time) string {
			return "/v1/threads?limit=1&updated_after=" + url.QueryEscape(at.Format(time.RFC3339))
		}
		if got := pageAll(t, api, key, since(t0), threadIDs); len(got) != 0 {
			t.Fatalf("nothing changed after the questions, yet %v", got)
		}

		h.now = t0.Add(time.Hour)
		if r := api.do("POST", "/v1/threads/"+ids[2]+"/messages", key, map[string]any{"body": "Yes, PO 4471."}); r.status != 201 {
			t.Fatalf("reply: %d %s", r.status, r.body)
		}
		h.now = t0.Add(2 * time.Hour)
		if r := api.do("POST", "/v1/threads/"+ids[0]+"/resolve", key, map[string]any{"outcome": "answered"}); r.status != 200 {
			t.Fatalf("resolve: %d %s", r.status, r.body)
		}
		if got := pageAll(t, api, key, since(t0), threadIDs); !slices.Equal(got, []string{ids[0], ids[2]}) {
			t.Errorf("threads changed after t0: %v, want %v", got, []string{ids[0], ids[2]})
		}
		if got := pageAll(t, api, key, since(t0.Add(time.Hour))+"&state=resolved", threadIDs); !slices.Equal(got, ids[:1]) {
			t.Errorf("threads resolved after the reply: %v", got)
		}
	})
}

// TestCursorIsBound: a cursor works only on the list, filters and vendor it
// came from, and shows no row id.
func TestCursorIsBound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind Supplies")
		key := h.apiKey(north)
		otherKey := h.apiKey(h.vendor("Contoso Foods"))
		api := h.api()
		for _, id := range []string{"INV-1", "INV-2", "INV-3"} {
			api.do("PUT", "/v1/invoices/"+id, key, invoice(id))
			api.do("PUT", "/v1/invoices/"+id, otherKey, invoice(id))
			api.do("PUT", "/v1/credits/"+strings.Replace(id, "INV", "CN", 1), key, credit(strings.Replace(id, "INV", "CN", 1)))
		}
		var ep createdEndpoint
		api.do("POST", "/v1/webhook-endpoints", key, map[string]any{"url": "https://hooks.northwind.example/duehub"}).json(t, &ep)

		var page invoiceList
		api.do("GET", "/v1/invoices?limit=1", key, nil).json(t, &page)
		if page.NextCursor == nil {
			t.Fatal("no next_cursor")
		}
		cursor := url.QueryEscape(*page.NextCursor)
		// The same page gets the same cursor; limit may change between pages.
		var again invoiceList
		api.do("GET", "/v1/invoices?limit=1", key, nil).json(t, &again)
		if again.NextCursor == nil || *again.NextCursor != *page.NextCursor {
			t.Errorf("cursor not stable: %v then %v", *page.NextCursor, again.NextCursor)
		}
		if got := pageAll(t, api, key, "/v1/invoices?limit=5&cursor="+cursor, invoiceIDs); !slices.Equal(got, []string{"INV-2", "INV-3"}) {
			t.Errorf("rest of the list with another limit: %v", got)
		}

		var invID int64
		h.db.Gorm.Raw("SELECT id FROM invoices WHERE vendor_id = ? AND external_id = 'INV-1'", north).Scan(&invID)
		if d := decodeLoose(*page.NextCursor); strings.Contains(d, fmt.Sprintf(":%d", invID)) ||
			strings.Contains(d, string(binary.BigEndian.AppendUint64(nil, uint64(invID)))) {
			t.Errorf("cursor %q shows the row id %d", *page.NextCursor, invID)
		}

		garbage := api.do("GET", "/v1/invoices?cursor=garbage", key, nil)
		garbage.problem(t, 400)
		for _, path := range []string{
			"/v1/credits?cursor=" + cursor,
			"/v1/threads?cursor=" + cursor,
			"/v1/payments?cursor=" + cursor,
			"/v1/webhook-endpoints/" + ep.ID + "/deliveries?cursor=" + cursor,
			"/v1/invoices?status=open&cursor=" + cursor,
			"/v1/invoices?updated_after=2026-01-01T00:00:00Z&cursor=" + cursor,
		} {
			p := api.do("GET", path, key, nil).problem(t, 400)
			if p.Code != "invalid_cursor" {
				t.Errorf("%s: code %q", path, p.Code)
			}
			fieldMessage(t, p.Errors, "cursor")
		}
		// Another vendor learns nothing from it: the answer to garbage, byte for byte.
		if r := api.do("GET", "/v1/invoices?cursor="+cursor, otherKey, nil); r.status != 400 || !bytes.Equal(sansRequestID(r.body), sansRequestID(garbage.body)) {
			t.Errorf("vendor B with A's cursor: %d %s", r.status, r.body)
		}
		// The events feed reads its own `after`, never a list cursor.
		if r := api.do("GET", "/v1/events?after="+cursor, key, nil); r.status/100 != 4 {
			t.Errorf("events with an invoices cursor: %d %s", r.status, r.body)
		} else {
			fieldMessage(t, r.problem(t, r.status).Errors, "after")
		}
		// A cursor of a filtered list works with the same filters.
		var open invoiceList
		api.do("GET", "/v1/invoices?status=open&limit=2", key, nil).json(t, &open)
		if got := pageAll(t, api, key, "/v1/invoices?status=open&cursor="+url.QueryEscape(*open.NextCursor), invoiceIDs); !slices.Equal(got, []string{"INV-3"}) {
			t.Errorf("filtered cursor with its filters: %v", got)
		}
	})
}

// decodeLoose is the text of a base64url string, or "" when it is not one.
func decodeLoose(s string) string {
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.StdEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return string(b)
		}
	}
	return ""
}

// headRoutes gives a concrete path for every GET under /v1 of the OpenAPI
// description; the test fails when a GET route is added without one.
var headRoutes = map[string]string{
	"/v1/invoices":                          "/v1/invoices",
	"/v1/invoices/{external_id}":            "/v1/invoices/INV-1",
	"/v1/credits":                           "/v1/credits",
	"/v1/credits/{external_id}":             "/v1/credits/CN-1",
	"/v1/reminder-policy":                   "/v1/reminder-policy",
	"/v1/members":                           "/v1/members",
	"/v1/threads":                           "/v1/threads",
	"/v1/threads/{id}":                      "/v1/threads/{thread}",
	"/v1/payments":                          "/v1/payments",
	"/v1/events":                            "/v1/events",
	"/v1/webhook-endpoints":                 "/v1/webhook-endpoints",
	"/v1/webhook-endpoints/{id}":            "/v1/webhook-endpoints/{endpoint}",
	"/v1/webhook-endpoints/{id}/deliveries": "/v1/webhook-endpoints/{endpoint}/deliveries",
	"/v1/analytics":                         "/v1/analytics",
	"/v1/threads/{id}/attachments":          "/v1/threads/{thread}/attachments",
}

// headMissing gives, for a GET route whose objects this test has none of,
// a path to a missing one: GET and HEAD must both answer 404, HEAD without
// a body.
var headMissing = map[string]string{
	"/v1/threads/{id}/attachments/{attachment_id}": "/v1/threads/{thread}/attachments/999999",
}

// TestHeadWhereGet: HEAD on every GET route answers like GET without a body.
func TestHeadWhereGet(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind Supplies")
		key := h.apiKey(north)
		api := h.api()
		api.do("PUT", "/v1/invoices/INV-1", key, invoice("INV-1"))
		api.do("PUT", "/v1/credits/CN-1", key, credit("CN-1"))
		h.askQuestions(north, 1)
		var threads threadList
		api.do("GET", "/v1/threads", key, nil).json(t, &threads)
		var ep createdEndpoint
		api.do("POST", "/v1/webhook-endpoints", key, map[string]any{"url": "https://hooks.northwind.example/duehub"}).json(t, &ep)

		spec, err := loadOpenAPI()
		if err != nil {
			t.Fatal(err)
		}
		for tmpl, item := range spec.doc.Paths.Map() {
			if strings.HasPrefix(tmpl, "/v1/") && item.Get != nil && headRoutes[tmpl] == "" && headMissing[tmpl] == "" {
				t.Errorf("GET %s has no HEAD case in headRoutes", tmpl)
			}
		}
		fill := strings.NewReplacer("{thread}", fmt.Sprint(threads.Data[0].ID), "{endpoint}", ep.ID)
		for _, path := range headRoutes {
			path = fill.Replace(path)
			get := api.do("GET", path, key, nil)
			head := rawRequest(t, api, "HEAD", path, "Bearer "+key)
			if get.status != 200 || head.status != 200 {
				t.Errorf("%s: GET %d, HEAD %d", path, get.status, head.status)
				continue
			}
			if len(head.body) != 0 {
				t.Errorf("HEAD %s has a body: %q", path, head.body)
			}
			if ct := head.header.Get("Content-Type"); ct == "" || ct != get.header.Get("Content-Type") {
				t.Errorf("HEAD %s: Content-Type %q, GET %q", path, ct, get.header.Get("Content-Type"))
			}
			if cl := head.header.Get("Content-Length"); cl != "" && cl != fmt.Sprint(len(get.body)) {
				t.Errorf("HEAD %s: Content-Length %s, GET body %d bytes", path, cl, len(get.body))
			}
		}
		for _, path := range headMissing {
			path = fill.Replace(path)
			get := api.do("GET", path, key, nil)
			head := rawRequest(t, api, "HEAD", path, "Bearer "+key)
			if get.status != 404 || head.status != 404 || len(head.body) != 0 {
				t.Errorf("%s: GET %d, HEAD %d with %d bytes; want 404 and 404 without a body", path, get.status, head.status, len(head.body))
			}
		}
		// Without a key, HEAD is refused like GET, without a body.
		if r := rawRequest(t, api, "HEAD", "/v1/invoices", ""); r.status != 401 || len(r.body) != 0 ||
			r.header.Get("Content-Type") != "application/problem+json" || r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("HEAD without a key: %d %v %q", r.status, r.header, r.body)
		}
		if r := rawRequest(t, api, "HEAD", "/v1/invoices/NOPE", "Bearer "+key); r.status != 404 || len(r.body) != 0 {
			t.Errorf("HEAD of a missing invoice: %d %q", r.status, r.body)
		}
		if r := rawRequest(t, api, "HEAD", fill.Replace("/v1/threads/{thread}/resolve"), "Bearer "+key); r.status != 405 {
			t.Errorf("HEAD where only POST exists: %d", r.status)
		}
	})
}

// TestBearerSchemeIsCaseInsensitive: RFC 7235 schemes are case-insensitive;
// every refused header still gets the one same 401.
func TestBearerSchemeIsCaseInsensitive(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHub(t, db)
		_, key := h.vendor("Northwind")
		for _, auth := range []string{"Bearer " + key, "bearer " + key, "BEARER " + key, "bEaReR  " + key} {
			if r := rawRequest(t, h, "GET", "/v1/invoices", auth); r.status != 200 {
				t.Errorf("%q: %d %s", strings.Replace(auth, key, "KEY", 1), r.status, r.body)
			}
		}
		first := rawRequest(t, h, "GET", "/v1/invoices", "")
		for _, auth := range []string{"Basic " + key, "bearer", "bearer ", "bearer" + key, "Token " + key, "Bearer dh_live_nope", "Bearers " + key} {
			r := rawRequest(t, h, "GET", "/v1/invoices", auth)
			if r.status != 401 || !bytes.Equal(sansRequestID(r.body), sansRequestID(first.body)) || r.header.Get("WWW-Authenticate") != first.header.Get("WWW-Authenticate") {
				t.Errorf("%q: %d %s, want the 401 of no key %s", strings.Replace(auth, key, "KEY", 1), r.status, r.body, first.body)
			}
		}
	})
}

// rawRequest sends a request with exactly the Authorization header given
// (none when empty), for what hub.do cannot send or describe (HEAD).
func rawRequest(t *testing.T, api *hub, method, path, auth string) response {
	t.Helper()
	req, err := http.NewRequest(method, api.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: body}
}

// sansRequestID is a problem body without its request_id (requestIDField,
// auth_test.go), the one part that differs between two identical answers.
func sansRequestID(body []byte) []byte {
	return requestIDField.ReplaceAll(body, nil)
}
