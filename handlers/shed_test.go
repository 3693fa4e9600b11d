package handlers

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
)

// blockingRoute adds GET /v1/test/block to the hub's router, behind the same
// middleware as every route: each request holds its slot until release is
// closed. entered receives one value per request that got in.
func blockingRoute(h *hub) (entered chan struct{}, release chan struct{}) {
	entered, release = make(chan struct{}, 16), make(chan struct{})
	h.srv.Config.Handler.(*gin.Engine).GET("/v1/test/block", func(c *gin.Context) {
		entered <- struct{}{}
		<-release
		c.Status(http.StatusNoContent)
	})
	return entered, release
}

// get sends a GET with headers in pairs, from any goroutine.
func rawGet(url string, headers ...string) (*http.Response, string, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, "", err
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, string(body), err
}

// TestLoadShedding fills the hub's slots with requests that block, and
// checks what the next ones get: a prompt 503 with Retry-After and the
// overloaded problem (a page for a browser), while health checks, metrics
// and provider webhooks still answer; once the slots free up, requests
// succeed again.
func TestLoadShedding(t *testing.T) {
	h := newHub(t, dbtest.SQLite(t), func(c *Config) { c.Load = Load{MaxInFlight: 2, QueueWait: 20 * time.Millisecond} })
	_, key := h.vendor("Northwind")
	entered, release := blockingRoute(h)
	var wg sync.WaitGroup
	codes := make(chan int, 2)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, _, err := rawGet(h.srv.URL+"/v1/test/block", "Authorization", "Bearer "+key)
			if err != nil {
				t.Error(err)
				return
			}
			codes <- resp.StatusCode
		}()
	}
	for range 2 {
		select {
		case <-entered:
		case <-time.After(10 * time.Second):
			t.Fatal("the blocking requests never started")
		}
	}

	began := time.Now()
	r := h.do("GET", "/v1/invoices", key, nil) // checked against the OpenAPI description too
	if waited := time.Since(began); waited > 5*time.Second {
		t.Errorf("the refused request waited %s", waited)
	}
	p := r.problem(t, http.StatusServiceUnavailable)
	if p.Code != "overloaded" || p.Type != "/problems/overloaded" || r.header.Get("Retry-After") != "1" {
		t.Errorf("refusal: %+v, Retry-After %q", p, r.header.Get("Retry-After"))
	}
	resp, body, err := rawGet(h.srv.URL+"/portal", "Accept", "text/html,application/xhtml+xml")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "Too busy right now") {
		t.Errorf("a browser gets %d %q %q:\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("Content-Type"), body)
	}
	for _, path := range []string{"/healthz", "/readyz", "/openapi.yaml"} {
		if resp, _, err := rawGet(h.srv.URL + path); err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("%s while the hub is full: %v %v", path, resp.StatusCode, err)
		}
	}
	// Provider webhooks have slots of their own (here the route is off: 404, not 503).
	if resp, _, err := rawGet(h.srv.URL + "/webhooks/sendgrid"); err != nil || resp.StatusCode == http.StatusServiceUnavailable {
		t.Errorf("a provider webhook shares the API's slots: %v %v", resp.StatusCode, err)
	}
	if _, metrics, _ := rawGet(h.srv.URL + "/metrics"); !strings.Contains(metrics, `duehub_http_shed_total{pool="app"} 2`) ||
		!strings.Contains(metrics, `duehub_http_in_flight{pool="app"} 2`) {
		t.Errorf("metrics lack the shed requests:\n%s", metrics)
	}

	close(release)
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != http.StatusNoContent {
			t.Errorf("a request admitted before the overload answered %d", code)
		}
	}
	if r := h.do("GET", "/v1/invoices", key, nil); r.status != http.StatusOK {
		t.Errorf("after the overload: %d %s", r.status, r.body)
	}
}

// TestLoadQueueWait checks the short queue: a request that finds every slot
// busy gets the first one freed within its wait, instead of a 503.
func TestLoadQueueWait(t *testing.T) {
	h := newHub(t, dbtest.SQLite(t), func(c *Config) { c.Load = Load{MaxInFlight: 1, QueueWait: 10 * time.Second} })
	_, key := h.vendor("Northwind")
	entered, release := blockingRoute(h)
	first := make(chan int, 1)
	go func() {
		resp, _, err := rawGet(h.srv.URL+"/v1/test/block", "Authorization", "Bearer "+key)
		if err != nil {
			t.Error(err)
			first <- 0
			return
		}
		first <- resp.StatusCode
	}()
	<-entered
	go func() {
		time.Sleep(100 * time.Millisecond)
		close(release)
	}()
	if r := h.do("GET", "/v1/invoices", key, nil); r.status != http.StatusOK {
		t.Errorf("the waiting request: %d %s", r.status, r.body)
	}
	if code := <-first; code != http.StatusNoContent {
		t.Errorf("the first request: %d", code)
	}
}

// TestRequestDeadline holds the database so that the API's queries cannot
// run, and checks that a request gives up at its deadline with the
// overloaded problem instead of waiting for the database without end.
func TestRequestDeadline(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHub(t, db, func(c *Config) { c.Load = Load{RequestTimeout: 300 * time.Millisecond} })
		_, key := h.vendor("Northwind")
		h.do("GET", "/v1/invoices", key, nil) // the key's use is recorded: the next request only reads
		ctx := context.Background()
		var unblock func()
		if db.Postgres() {
			tx, err := db.SQL.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, "LOCK TABLE api_keys IN ACCESS EXCLUSIVE MODE"); err != nil {
				t.Fatal(err)
			}
			unblock = func() { tx.Rollback() }
		} else {
			conn, err := db.SQL.Conn(ctx) // SQLite's only connection
			if err != nil {
				t.Fatal(err)
			}
			unblock = func() { conn.Close() }
		}
		began := time.Now()
		r := h.do("GET", "/v1/invoices", key, nil)
		waited := time.Since(began)
		unblock()
		if p := r.problem(t, http.StatusServiceUnavailable); p.Code != "overloaded" || r.header.Get("Retry-After") != "1" {
			t.Errorf("past the deadline: %+v", p)
		}
		if waited > 5*time.Second {
			t.Errorf("the request waited %s past its deadline of 300ms", waited)
		}
		if r := h.do("GET", "/v1/invoices", key, nil); r.status != http.StatusOK {
			t.Errorf("once the database is free: %d %s", r.status, r.body)
		}
	})
}
