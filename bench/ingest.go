package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/vendors"
)

// batchSize is how many invoices one POST /v1/invoices/batch carries.
const batchSize = vendors.MaxBatch

// The API's invoice JSON, as a vendor's client writes it.
type apiCustomer struct {
	ExternalID       string `json:"external_id"`
	Name             string `json:"name"`
	Email            string `json:"email,omitempty"`
	Phone            string `json:"phone,omitempty"`
	SMSConsent       bool   `json:"sms_consent"`
	SMSConsentSource string `json:"sms_consent_source,omitempty"`
}

type apiInvoice struct {
	ExternalID      string      `json:"external_id"`
	Number          string      `json:"number"`
	Customer        apiCustomer `json:"customer"`
	Currency        string      `json:"currency"`
	AmountDue       int64       `json:"amount_due"`
	AmountRemaining int64       `json:"amount_remaining"`
	IssueDate       string      `json:"issue_date"`
	DueDate         string      `json:"due_date"`
	PayURL          string      `json:"pay_url,omitempty"`
	Status          string      `json:"status"`
	Memo            string      `json:"memo"`
}

func (n *network) apiInvoice(inv genInvoice) apiInvoice {
	c := n.customer(inv.Payer)
	ac := apiCustomer{ExternalID: c.ExternalID, Name: c.Name, Email: c.Email, Phone: c.Phone, SMSConsent: c.SMSConsent,
		SMSConsentSource: consentSource(c)}
	return apiInvoice{ExternalID: inv.ExternalID, Number: inv.Number, Customer: ac, Currency: inv.Currency,
		AmountDue: inv.AmountDue, AmountRemaining: inv.AmountRemaining, IssueDate: inv.Issue.String(),
		DueDate: inv.Due.String(), PayURL: inv.PayURL, Status: vendors.StatusOpen, Memo: inv.Memo}
}

// storeInput is the same invoice for the vendor store (the simulation pushes
// through the store, as the demo does, rather than through HTTP).
func (n *network) storeInput(inv genInvoice) vendors.InvoiceInput {
	c := n.customer(inv.Payer)
	ci := vendors.CustomerInput{ExternalID: c.ExternalID, Name: c.Name, Email: c.Email, Phone: c.Phone, SMSConsent: c.SMSConsent,
		SMSConsentSource: consentSource(c)}
	due, rem := inv.AmountDue, inv.AmountRemaining
	return vendors.InvoiceInput{ExternalID: inv.ExternalID, Number: inv.Number, Customer: ci, Currency: inv.Currency,
		AmountDue: &due, AmountRemaining: &rem, IssueDate: inv.Issue.String(), DueDate: inv.Due.String(),
		PayURL: inv.PayURL, Status: vendors.StatusOpen, Memo: inv.Memo}
}

// batch is a run of one vendor's invoices, [from, to).
type batch struct{ vendor, from, to int }

func (n *network) batches() []batch {
	var out []batch
	for v, count := range n.invoices {
		for from := 0; from < count; from += batchSize {
			out = append(out, batch{v, from, min(from+batchSize, count)})
		}
	}
	return out
}

// vendorKeys are the network's vendors as created in the hub.
type vendorKeys struct {
	ids  []int64
	keys []string
}

// createVendors creates every vendor with its policy and one API key, through
// the same store calls as `duehub vendors create`.
func createVendors(ctx context.Context, h Hub, n *network) (vendorKeys, error) {
	var vk vendorKeys
	for _, gv := range n.vendors {
		v, err := h.Vendors.CreateVendor(ctx, vendors.NewVendor{Name: gv.Name, Domain: gv.Domain,
			SupportEmail: "ar@" + gv.Domain, Timezone: "UTC"})
		if err != nil {
			return vk, fmt.Errorf("bench: create vendor: %w", err)
		}
		p := bundler.Policy{Offsets: gv.Offsets, RepeatDays: gv.RepeatDays}
		if err := p.Validate(); err != nil {
			return vk, fmt.Errorf("bench: policy of %s: %w", gv.Name, err)
		}
		if err := h.Vendors.SetReminderPolicy(ctx, v.ID, p.Offsets, p.RepeatDays); err != nil {
			return vk, err
		}
		key, _, err := h.Vendors.CreateKey(ctx, v.ID)
		if err != nil {
			return vk, err
		}
		vk.ids = append(vk.ids, v.ID)
		vk.keys = append(vk.keys, key)
	}
	return vk, nil
}

// pushReport is what one pass of pushes did.
type pushReport struct {
	Items    int
	Batches  int
	Duration time.Duration
	Counts   map[string]int
	Shed     int // batches the hub answered 503 and that were sent again
}

// pushAll sends every batch through POST /v1/invoices/batch with clients
// concurrent clients, each vendor with its own key, and checks that every
// item came back as want.
func pushAll(ctx context.Context, s *server, n *network, vk vendorKeys, clients int, want string) (pushReport, error) {
	bs := n.batches()
	work := make(chan batch)
	client := &http.Client{Timeout: 10 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	defer client.CloseIdleConnections()
	var mu sync.Mutex
	counts := map[string]int{}
	var firstErr atomic.Pointer[error]
	var sheds atomic.Int64
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				got, shed, err := pushBatch(ctx, client, s.baseURL, vk.keys[b.vendor], n, b)
				sheds.Add(int64(shed))
				if err != nil {
					firstErr.CompareAndSwap(nil, &err)
					cancel()
					continue
				}
				mu.Lock()
				for k, c := range got {
					counts[k] += c
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, b := range bs {
		select {
		case work <- b:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	rep := pushReport{Items: n.totalInvoices(), Batches: len(bs), Duration: time.Since(start), Counts: counts, Shed: int(sheds.Load())}
	if p := firstErr.Load(); p != nil {
		return rep, *p
	}
	if counts[want] != rep.Items {
		return rep, fmt.Errorf("bench: pushed %d invoices expecting all %s, got %v", rep.Items, want, counts)
	}
	return rep, nil
}

// maxPushAttempts bounds how often one batch is sent when the hub sheds it.
const maxPushAttempts = 5

// pushBatch sends one batch and returns its result counts and how many
// times the hub shed it before answering.
func pushBatch(ctx context.Context, client *http.Client, baseURL, key string, n *network, b batch) (counts map[string]int, shed int, err error) {
	items := make([]apiInvoice, 0, b.to-b.from)
	for j := b.from; j < b.to; j++ {
		items = append(items, n.apiInvoice(n.invoice(b.vendor, j)))
	}
	body, err := json.Marshal(map[string][]apiInvoice{"invoices": items})
	if err != nil {
		return nil, 0, err
	}
	var raw []byte
	for attempt := 1; ; attempt++ {
		status, wait, answer, err := postBatch(ctx, client, baseURL, key, body)
		if err != nil {
			return nil, shed, err
		}
		// A shed request (503 with Retry-After) is sent again after the
		// wait, as the OpenAPI file tells clients to: on a loaded machine
		// the hub sheds some pushes and the bench must not stop there.
		if status == http.StatusServiceUnavailable && attempt < maxPushAttempts {
			shed++
			select {
			case <-time.After(wait):
				continue
			case <-ctx.Done():
				return nil, shed, ctx.Err()
			}
		}
		if status != http.StatusOK {
			return nil, shed, fmt.Errorf("bench: push batch of vendor %d: %d: %.500s", b.vendor, status, answer)
		}
		raw = answer
		break
	}
	var out struct {
		Results []struct {
			ExternalID string `json:"external_id"`
			Result     string `json:"result"`
			Errors     []struct {
				Field, Message string
			} `json:"errors"`
		} `json:"results"`
		Counts map[string]int `json:"counts"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, shed, fmt.Errorf("bench: push batch: %w", err)
	}
	if out.Counts[vendors.ResultError] > 0 {
		for _, r := range out.Results {
			if r.Result == vendors.ResultError {
				return nil, shed, fmt.Errorf("bench: the hub refused generated invoice %s of vendor %d: %v", r.ExternalID, b.vendor, r.Errors)
			}
		}
	}
	return out.Counts, shed, nil
}

// postBatch posts one batch body and returns the status, the Retry-After
// wait (1 s when absent) and the answer's body.
func postBatch(ctx context.Context, client *http.Client, baseURL, key string, body []byte) (int, time.Duration, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/v1/invoices/batch", bytes.NewReader(body))
	if err != nil {
		return 0, 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("bench: push batch: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("bench: push batch: %w", err)
	}
	wait := time.Second
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs > 0 && secs <= 60 {
		wait = time.Duration(secs) * time.Second
	}
	return resp.StatusCode, wait, raw, nil
}

// pushCredits stores the network's credit notes through the vendor store, in
// batches per vendor. They are part of the network, not of a figure.
func pushCredits(ctx context.Context, h Hub, n *network, vk vendorKeys) error {
	byVendor := make(map[int][]vendors.CreditInput)
	flush := func(v int) error {
		items := byVendor[v]
		if len(items) == 0 {
			return nil
		}
		results, err := h.Vendors.PushCredits(ctx, vk.ids[v], items)
		if err != nil {
			return fmt.Errorf("bench: push credits: %w", err)
		}
		for _, r := range results {
			if r.Result == vendors.ResultError {
				return fmt.Errorf("bench: credit %s refused: %v", r.ExternalID, r.Errors)
			}
		}
		byVendor[v] = items[:0]
		return nil
	}
	for k := range n.credits {
		c := n.credit(k)
		cust := n.customer(c.Payer)
		amount := c.Amount
		byVendor[c.Vendor] = append(byVendor[c.Vendor], vendors.CreditInput{ExternalID: c.ExternalID,
			Customer: vendors.CustomerInput{ExternalID: cust.ExternalID, Name: cust.Name, Email: cust.Email,
				Phone: cust.Phone, SMSConsent: cust.SMSConsent, SMSConsentSource: consentSource(cust)},
			Currency: c.Currency, Amount: &amount, IssueDate: c.Issue.String(), Memo: "Returned goods"})
		if len(byVendor[c.Vendor]) == batchSize {
			if err := flush(c.Vendor); err != nil {
				return err
			}
		}
	}
	for v := range byVendor {
		if err := flush(v); err != nil {
			return err
		}
	}
	return nil
}

func consentSource(c genCustomer) string {
	if c.SMSConsent {
		return "bench: signed order form"
	}
	return ""
}
