package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/duehub/duehub/links"
)

// latencyReport is one fixed-rate attack.
type latencyReport struct {
	Requests uint64
	Success  float64 // share of 2xx/3xx answers
	P50, P99 time.Duration
	Max      time.Duration
	Codes    map[string]int
	Errors   []string
}

// attack hits targeter at rate per second for d and summarises latencies.
func attack(name string, targeter vegeta.Targeter, rate int, d time.Duration) latencyReport {
	// vegeta's own client, made here so that its connections can be closed
	// when the attack ends (an overloaded attack leaves thousands open).
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: vegeta.DefaultConnections}}
	defer client.CloseIdleConnections()
	atk := vegeta.NewAttacker(vegeta.Client(client), vegeta.MaxBody(4096))
	var m vegeta.Metrics
	for res := range atk.Attack(targeter, vegeta.Rate{Freq: rate, Per: time.Second}, d, name) {
		m.Add(res)
	}
	return summarize(&m)
}

// attackWhile hits targeter at rate per second for as long as fn runs.
func attackWhile(name string, targeter vegeta.Targeter, rate int, fn func()) latencyReport {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: vegeta.DefaultConnections}}
	defer client.CloseIdleConnections()
	atk := vegeta.NewAttacker(vegeta.Client(client), vegeta.MaxBody(4096))
	results := atk.Attack(targeter, vegeta.Rate{Freq: rate, Per: time.Second}, 0, name)
	done := make(chan latencyReport)
	go func() {
		var m vegeta.Metrics
		for res := range results {
			m.Add(res)
		}
		done <- summarize(&m)
	}()
	fn()
	atk.Stop()
	return <-done
}

// summarize closes m and keeps what the report needs.
func summarize(m *vegeta.Metrics) latencyReport {
	m.Close()
	errs := m.Errors
	if len(errs) > 5 {
		errs = errs[:5]
	}
	return latencyReport{Requests: m.Requests, Success: m.Success, P50: m.Latencies.P50, P99: m.Latencies.P99,
		Max: m.Latencies.Max, Codes: m.StatusCodes, Errors: errs}
}

// share503 is the share of the attack's answers that were 503 (the load
// shedding's "come back later").
func (l latencyReport) share503() float64 {
	return ratio(float64(l.Codes["503"]), float64(l.Requests))
}

// apiGetTargeter reads one invoice of vendor v through GET
// /v1/invoices/{external_id}, as a vendor's client polls: the light API
// request whose latency the digest pass must not hurt.
func apiGetTargeter(s *server, n *network, vk vendorKeys, v int) vegeta.Targeter {
	inv := n.invoice(v, n.invoices[v]-1)
	return vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: s.baseURL + "/v1/invoices/" + inv.ExternalID,
		Header: http.Header{"Authorization": {"Bearer " + vk.keys[v]}}})
}

// putTargeter makes PUT /v1/invoices/{id} requests, each creating a new
// invoice of vendor v for one of its customers.
func putTargeter(s *server, n *network, vk vendorKeys, v int) vegeta.Targeter {
	var seq atomic.Int64
	tmpl := n.invoice(v, 0)
	if len(n.customers[v]) > 1 {
		tmpl = n.invoice(v, n.invoices[v]-1) // not the heavy payer: its inbox is measured next
	}
	return func(t *vegeta.Target) error {
		i := seq.Add(1)
		inv := tmpl
		inv.ExternalID = fmt.Sprintf("LAT-%08d", i)
		inv.Number = inv.ExternalID
		body, err := json.Marshal(n.apiInvoice(inv))
		if err != nil {
			return err
		}
		t.Method = http.MethodPut
		t.URL = s.baseURL + "/v1/invoices/" + inv.ExternalID
		t.Body = body
		t.Header = http.Header{"Authorization": {"Bearer " + vk.keys[v]}, "Content-Type": {"application/json"}}
		return nil
	}
}

// inboxSession opens the portal for payerID the way a payer does: a signed
// inbox link followed once, whose redirect sets the session cookie. It
// checks that the inbox then answers and returns the cookie header.
func inboxSession(ctx context.Context, s *server, payerID int64, mustShow string) (string, error) {
	url, err := s.links.URL(links.Link{PayerID: payerID, Action: links.ActionInbox})
	if err != nil {
		return "", err
	}
	client := &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("bench: open inbox link: %w", err)
	}
	resp.Body.Close()
	var cookie string
	for _, c := range resp.Cookies() {
		if c.Value != "" {
			cookie = c.Name + "=" + c.Value
		}
	}
	if resp.StatusCode != http.StatusSeeOther || cookie == "" {
		return "", fmt.Errorf("bench: inbox link answered %s without a session", resp.Status)
	}
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, s.baseURL+"/portal", nil)
	req.Header.Set("Cookie", cookie)
	resp, err = client.Do(req)
	if err != nil {
		return "", fmt.Errorf("bench: inbox: %w", err)
	}
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(string(page), mustShow) {
		return "", fmt.Errorf("bench: the inbox answered %s without %q", resp.Status, mustShow)
	}
	return cookie, nil
}

// checkPut sends one PUT outside the attack so that a malformed request
// fails the bench instead of being measured.
func checkPut(ctx context.Context, tr vegeta.Targeter) error {
	return checkTarget(ctx, tr, http.StatusCreated)
}

// checkTarget sends one request of tr and wants the status want.
func checkTarget(ctx context.Context, tr vegeta.Targeter, want int) error {
	var t vegeta.Target
	if err := tr(&t); err != nil {
		return err
	}
	req, err := t.Request()
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("bench: %s %s: %w", t.Method, t.URL, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		return fmt.Errorf("bench: %s %s answered %s: %.300s", t.Method, t.URL, resp.Status, body)
	}
	return nil
}

// vegetaGet is a GET with the session cookie.
func vegetaGet(url, cookie string) vegeta.Targeter {
	return vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: url, Header: http.Header{"Cookie": {cookie}}})
}
