package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/duehub/duehub/bundler"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/notify"
	"github.com/duehub/duehub/notify/outbox"
)

// runDigests runs the bundler once at h.now, sending email and SMS into
// the dev outbox.
func (h *portalHub) runDigests() {
	h.t.Helper()
	r := bundler.NewRunner(bundler.Config{DB: h.db.Gorm, Payers: h.payers, Vendors: h.vendors,
		Senders: map[notify.Channel]notify.Sender{notify.Email: h.outbox, notify.SMS: h.outbox}, Links: h.signer,
		BaseURL: h.srv.URL, From: "hub@hub.example", Now: func() time.Time { return h.now }, Log: quietLog()})
	if _, err := r.RunOnce(context.Background()); err != nil {
		h.t.Fatal(err)
	}
}

// messagesTo returns the outbox messages sent to addr, newest first.
func (h *portalHub) messagesTo(addr string) []outbox.Message {
	var out []outbox.Message
	for _, m := range h.messages() {
		if slices.Contains(m.To, addr) {
			out = append(out, m)
		}
	}
	return out
}

// payerOfCustomer returns the payer a vendor's customer is linked to.
func (h *portalHub) payerOfCustomer(vendorID int64, customer string) int64 {
	h.t.Helper()
	var id int64
	err := h.db.Gorm.Table("customers").Select("payer_id").Where("vendor_id = ? AND external_id = ?", vendorID, customer).Scan(&id).Error
	if err != nil || id == 0 {
		h.t.Fatalf("payer of %s: %d %v", customer, id, err)
	}
	return id
}

// phoneHolders returns the payers holding a number as a contact.
func (h *portalHub) phoneHolders(phone string) []int64 {
	h.t.Helper()
	var ids []int64
	if err := h.db.Gorm.Table("payer_contacts").Where("kind = 'phone' AND value = ?", phone).Pluck("payer_id", &ids).Error; err != nil {
		h.t.Fatal(err)
	}
	return ids
}

func phoneInvoice(ext string, customer map[string]any) map[string]any {
	return invoice(ext, bareCustomer(customer), set("due_date", "2026-11-20"), set("issue_date", "2026-11-01"))
}

func TestOnePhoneOnePayer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north, contoso, fabrikam := h.vendor("Northwind"), h.vendor("Contoso"), h.vendor("Fabrikam")
		apiN, keyN, keyC, keyF := h.api(), h.apiKey(north), h.apiKey(contoso), h.apiKey(fabrikam)
		put := func(key, ext string, customer map[string]any) {
			t.Helper()
			if r := apiN.do("PUT", "/v1/invoices/"+ext, key, phoneInvoice(ext, customer)); r.status != 201 {
				t.Fatalf("push %s: %d %s", ext, r.status, r.body)
			}
		}

		// Two vendors' phone-only customers with one number, written two ways.
		const uk = "+447700900123"
		put(keyN, "N-1", map[string]any{"external_id": "K9", "phone": "+44 7700 900123", "sms_consent": true, "sms_consent_source": "app"})
		put(keyC, "C-1", map[string]any{"external_id": "KNINE", "name": "K9 Ltd", "phone": uk, "sms_consent": true})
		if a, b := h.payerOfCustomer(north, "K9"), h.payerOfCustomer(contoso, "KNINE"); a != b {
			t.Fatalf("one number, two payers: %d %d", a, b)
		}

		// A phone-only customer whose number an email payer already holds
		// joins that payer.
		const fr = "+33612345678"
		put(keyN, "N-2", map[string]any{"external_id": "ACME", "email": "ap@acme.example", "phone": fr, "sms_consent": true})
		put(keyC, "C-2", map[string]any{"external_id": "ACME-FR", "phone": "+33 6 12 34 56 78", "sms_consent": true})
		acme := h.payerID("ap@acme.example")
		if got := h.payerOfCustomer(contoso, "ACME-FR"); got != acme {
			t.Fatalf("the phone-only customer got payer %d, not the payer %d holding its number", got, acme)
		}

		// Email first: an email customer whose number another payer holds
		// joins its email's payer, and the number stays where it was.
		put(keyF, "F-1", map[string]any{"external_id": "K9-AP", "email": "ap@k9.example", "phone": uk, "sms_consent": true})
		k9 := h.payerOfCustomer(north, "K9")
		if got := h.payerOfCustomer(fabrikam, "K9-AP"); got == k9 || got != h.payerID("ap@k9.example") {
			t.Fatalf("the email customer got payer %d (phone payer %d)", got, k9)
		}
		for _, phone := range []string{uk, fr} {
			if holders := h.phoneHolders(phone); len(holders) != 1 {
				t.Fatalf("%s is held by payers %v", phone, holders)
			}
		}
		if holders := h.phoneHolders(uk); holders[0] != k9 {
			t.Fatalf("%s moved to payer %d", uk, holders[0])
		}

		// One number, one SMS stream: one digest reaches the UK number,
		// carrying both vendors' invoices (on Tuesday, the default rhythm's day).
		h.now = h.now.Add(24 * time.Hour)
		h.runDigests()
		sms := h.messagesTo(uk)
		if len(sms) != 1 {
			t.Fatalf("%d messages to %s, want 1", len(sms), uk)
		}
		if sms[0].Channel != "sms" {
			t.Fatalf("message to %s on %s", uk, sms[0].Channel)
		}
		if frSMS := h.messagesTo(fr); len(frSMS) != 1 {
			t.Fatalf("%d messages to %s, want 1", len(frSMS), fr)
		}
	})
}

// putRaw sends one PUT without the test helpers, so goroutines may use it.
func putRaw(base, key, path string, body any) (int, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequest("PUT", base+path, bytes.NewReader(raw))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func TestConcurrentPushesOfOneNumberMakeOnePayer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		const n = 12
		const phone = "+447700900999"
		ids := make([]int64, n)
		keys := make([]string, n)
		for i := range n {
			ids[i] = h.vendor(fmt.Sprintf("Vendor %d", i))
			keys[i] = h.apiKey(ids[i])
		}
		// Most vendors know only the number; every fourth also an email.
		customer := func(i int) map[string]any {
			c := map[string]any{"external_id": "C", "phone": phone, "sms_consent": true}
			if i%4 == 3 {
				c["email"] = fmt.Sprintf("ap%d@k9.example", i)
			}
			return c
		}
		var wg sync.WaitGroup
		statuses := make([]int, n)
		errs := make([]error, n)
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				statuses[i], errs[i] = putRaw(h.srv.URL, keys[i], "/v1/invoices/X", phoneInvoice("X", customer(i)))
			}()
		}
		close(start)
		wg.Wait()
		for i := range n {
			if errs[i] != nil || statuses[i] != 201 {
				t.Fatalf("push %d: %d %v", i, statuses[i], errs[i])
			}
		}
		holders := h.phoneHolders(phone)
		if len(holders) != 1 {
			t.Fatalf("the number is held by payers %v", holders)
		}
		for i := range n {
			if i%4 == 3 {
				continue
			}
			if got := h.payerOfCustomer(ids[i], "C"); got != holders[0] {
				t.Errorf("vendor %d's phone-only customer is on payer %d, the number's payer is %d", i, got, holders[0])
			}
		}
	})
}
