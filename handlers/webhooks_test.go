package handlers

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/notify/sendgrid"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

const (
	webhookPublicURL   = "https://hub.example"
	webhookTwilioToken = "0123456789abcdef0123456789abcdef"
)

// webhookHub is a hub with SendGrid and Twilio webhooks configured, a
// stopped clock, and the SendGrid signing key the test signs events with.
type webhookHub struct {
	*hub
	payers *payers.Store
	sgKey  *ecdsa.PrivateKey
	now    time.Time
}

func newHubWithWebhooks(t *testing.T, db *database.DB) *webhookHub {
	t.Helper()
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	// As main does: the base64 key from SendGrid's settings, parsed at start-up.
	pub, err := sendgrid.ParsePublicKey(base64.StdEncoding.EncodeToString(der))
	if err != nil {
		t.Fatal(err)
	}
	p := payers.NewStore(db.Gorm, clock)
	vs := vendors.NewStore(db.Gorm, p, clock)
	h := New(Config{
		Vendors:            vs,
		Log:                slog.New(slog.NewTextHandler(io.Discard, nil)),
		Registry:           prometheus.NewRegistry(),
		Ready:              func(ctx context.Context) error { return db.SQL.PingContext(ctx) },
		Payers:             p,
		Threads:            threads.NewStore(db.Gorm, p, clock),
		Now:                clock,
		SendGridWebhookKey: pub,
		TwilioAuthToken:    webhookTwilioToken,
		PublicURL:          webhookPublicURL + "/", // a trailing slash must not matter
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &webhookHub{hub: &hub{t: t, db: db, vendors: vs, srv: srv}, payers: p, sgKey: key, now: now}
}

// webhookDigest is a sent digest ledger row.
type webhookDigest struct {
	ID         int64
	PayerID    int64
	Channel    string
	Slot       time.Time
	Status     string
	Recipients string
	ProviderID string
	Delivery   string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

func (webhookDigest) TableName() string { return "digests" }

// digest writes a sent digest for a payer reached at ap@acme.example and
// +15551230000, as the bundler leaves it, and returns its id.
func (w *webhookHub) digest(channel, providerID, recipients string, slot time.Time) int64 {
	w.t.Helper()
	d := webhookDigest{Channel: channel, Slot: slot, Status: "sent", Recipients: recipients, ProviderID: providerID,
		CreatedAt: slot, UpdatedAt: slot}
	err := w.db.Gorm.Transaction(func(tx *gorm.DB) error {
		ids, err := w.payers.LinkPayers(context.Background(), tx,
			[]vendors.PayerContact{{Email: "ap@acme.example", Phone: "+15551230000"}})
		if err != nil {
			return err
		}
		d.PayerID = ids[0]
		return tx.Create(&d).Error
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return d.ID
}

func (w *webhookHub) delivery(id int64) string {
	w.t.Helper()
	var d webhookDigest
	if err := w.db.Gorm.Where("id = ?", id).Take(&d).Error; err != nil {
		w.t.Fatal(err)
	}
	return d.Delivery
}

// suppressed returns channel:address → reason for every suppression.
func (w *webhookHub) suppressed() map[string]string {
	w.t.Helper()
	var rows []payers.Suppression
	if err := w.db.Gorm.Order("id").Find(&rows).Error; err != nil {
		w.t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.Channel+":"+r.Address] = r.Reason
	}
	return out
}

// signSendGrid signs a body the way SendGrid does: ECDSA P-256 over
// SHA-256(timestamp + body), ASN.1 DER, base64.
func signSendGrid(t *testing.T, key *ecdsa.PrivateKey, timestamp string, body []byte) string {
	t.Helper()
	sum := sha256.Sum256(append([]byte(timestamp), body...))
	sig, err := ecdsa.SignASN1(rand.Reader, key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

func (w *webhookHub) postSendGrid(body []byte, signature, timestamp string) response {
	w.t.Helper()
	return w.do(http.MethodPost, "/webhooks/sendgrid", "", body,
		sendgrid.SignatureHeader, signature, sendgrid.TimestampHeader, timestamp)
}

// signTwilio signs a webhook the way Twilio does: base64 HMAC-SHA1 with the
// auth token over the URL followed by each key and value, keys sorted.
func signTwilio(token, fullURL string, form url.Values) string {
	mac := hmac.New(sha1.New, []byte(token))
	mac.Write([]byte(fullURL))
	for _, k := range slices.Sorted(maps.Keys(form)) {
		mac.Write([]byte(k + form.Get(k)))
	}
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func (w *webhookHub) postTwilio(path string, form url.Values, signature string) response {
	w.t.Helper()
	headers := []string{"Content-Type", "application/x-www-form-urlencoded"}
	if signature != "" {
		headers = append(headers, "X-Twilio-Signature", signature)
	}
	return w.do(http.MethodPost, path, "", form.Encode(), headers...)
}

func inboundSMS(sid, from, body string) url.Values {
	return url.Values{
		"MessageSid": {sid}, "SmsSid": {sid}, "AccountSid": {"AC0123456789abcdef0123456789abcdef"},
		"From": {from}, "To": {"+15550001111"}, "Body": {body}, "NumMedia": {"0"},
	}
}

// twimlReply checks a TwiML answer and returns its messages.
func twimlReply(t *testing.T, r response) []string {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") {
		t.Fatalf("Content-Type = %q, want text/xml", ct)
	}
	var doc struct {
		XMLName  xml.Name `xml:"Response"`
		Messages []string `xml:"Message"`
	}
	if err := xml.Unmarshal(r.body, &doc); err != nil {
		t.Fatalf("not TwiML: %v\n%s", err, r.body)
	}
	return doc.Messages
}

func TestSendGridWebhookAppliesGenuineEventsOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newHubWithWebhooks(t, db)
		sent := w.digest("email", "xmsg-1", "ap@acme.example,cfo@acme.example", w.now.Add(-time.Hour))
		bounced := w.digest("email", "xmsg-2", "old@acme.example", w.now.Add(-2*time.Hour))

		ts := strconv.FormatInt(w.now.Unix(), 10)
		body := []byte(fmt.Sprintf(`[`+
			`{"email":"ap@acme.example","timestamp":%[1]d,"event":"processed","sg_event_id":"ev-0","sg_message_id":"xmsg-1.filterdrecv-1","message_id":"digest-%[2]d"},`+
			`{"email":"ap@acme.example","timestamp":%[1]d,"event":"delivered","sg_event_id":"ev-1","sg_message_id":"xmsg-1.filterdrecv-1","message_id":"digest-%[2]d"},`+
			`{"email":"Old@Acme.example","timestamp":%[1]d,"event":"bounce","type":"bounce","reason":"550 5.1.1 no such user","sg_event_id":"ev-2","sg_message_id":"xmsg-2.filterdrecv-2"}`+
			`]`+"\r\n", w.now.Unix()-30, sent))
		sig := signSendGrid(t, w.sgKey, ts, body)

		r := w.postSendGrid(body, sig, ts)
		if r.status != http.StatusOK {
			t.Fatalf("genuine events refused: %d %s", r.status, r.body)
		}
		if got := w.suppressed(); len(got) != 1 || got["email:old@acme.example"] != payers.SuppressBounce {
			t.Errorf("suppressions = %v, want old@acme.example bounced", got)
		}
		if got := w.delivery(sent); got != "delivered" {
			t.Errorf("delivery of the delivered digest = %q", got)
		}
		// Matched by SendGrid's message id, the part of sg_message_id before the first dot.
		if got := w.delivery(bounced); got != "bounced" {
			t.Errorf("delivery of the bounced digest = %q", got)
		}
		if n := w.count("provider_events", ""); n != 3 {
			t.Errorf("provider_events = %d, want 3", n)
		}

		// SendGrid delivers at least once: the same request again is accepted
		// and changes nothing.
		if err := w.payers.Unsuppress(context.Background(), "email", "old@acme.example"); err != nil {
			t.Fatal(err)
		}
		r = w.postSendGrid(body, sig, ts)
		var out struct{ Received, Applied int }
		r.json(t, &out)
		if r.status != http.StatusOK || out.Received != 3 || out.Applied != 0 {
			t.Fatalf("replay: %d %s, want 200 with nothing applied", r.status, r.body)
		}
		if got := w.suppressed(); len(got) != 0 {
			t.Errorf("replayed bounce suppressed again: %v", got)
		}
		if n := w.count("provider_events", ""); n != 3 {
			t.Errorf("provider_events after replay = %d, want 3", n)
		}
	})
}

func TestSendGridWebhookRefusesForgeries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newHubWithWebhooks(t, db)
		id := w.digest("email", "xmsg-1", "ap@acme.example", w.now.Add(-time.Hour))
		ts := strconv.FormatInt(w.now.Unix(), 10)
		body := []byte(fmt.Sprintf(`[{"email":"ap@acme.example","timestamp":%d,"event":"spamreport","sg_event_id":"ev-1","message_id":"digest-%d"}]`+"\r\n",
			w.now.Unix(), id))
		sig := signSendGrid(t, w.sgKey, ts, body)
		otherKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tampered := []byte(strings.Replace(string(body), "ap@acme.example", "cfo@acme.example", 1))
		stale := strconv.FormatInt(w.now.Add(-6*time.Minute).Unix(), 10)
		future := strconv.FormatInt(w.now.Add(6*time.Minute).Unix(), 10)

		for _, tt := range []struct {
			name, sig, ts string
			body          []byte
		}{
			{"signed by another key", signSendGrid(t, otherKey, ts, body), ts, body},
			{"tampered body", sig, ts, tampered},
			{"without SendGrid's trailing CRLF", sig, ts, body[:len(body)-2]},
			{"stale timestamp, validly signed", signSendGrid(t, w.sgKey, stale, body), stale, body},
			{"future timestamp, validly signed", signSendGrid(t, w.sgKey, future, body), future, body},
			{"signature moved to another timestamp", sig, stale, body},
			{"no signature", "", ts, body},
			{"no timestamp", sig, "", body},
			{"garbage signature", "bm90IGEgc2lnbmF0dXJl", ts, body},
		} {
			t.Run(tt.name, func(t *testing.T) {
				w.postSendGrid(tt.body, tt.sig, tt.ts).problem(t, http.StatusUnauthorized)
			})
		}
		// A genuine signature over something that is not an event array.
		junk := []byte("not json\r\n")
		w.postSendGrid(junk, signSendGrid(t, w.sgKey, ts, junk), ts).problem(t, http.StatusBadRequest)
		big := []byte("[" + strings.Repeat(" ", 5<<20) + "]")
		w.postSendGrid(big, signSendGrid(t, w.sgKey, ts, big), ts).problem(t, http.StatusRequestEntityTooLarge)

		if got := w.suppressed(); len(got) != 0 {
			t.Errorf("refused requests suppressed %v", got)
		}
		if n := w.count("provider_events", ""); n != 0 {
			t.Errorf("refused requests recorded %d events", n)
		}
		if got := w.delivery(id); got != "" {
			t.Errorf("refused requests set delivery %q", got)
		}
		// The same body, genuinely signed, does apply: the refusals were about the signature.
		if r := w.postSendGrid(body, sig, ts); r.status != http.StatusOK || w.suppressed()["email:ap@acme.example"] != payers.SuppressComplaint {
			t.Fatalf("genuine request: %d %s; suppressions %v", r.status, r.body, w.suppressed())
		}
	})
}

func TestTwilioInboundKeywords(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newHubWithWebhooks(t, db)
		const path, from = "/webhooks/twilio/inbound", "+15551230000"
		signedURL := webhookPublicURL + path
		send := func(sid, body string) []string {
			t.Helper()
			form := inboundSMS(sid, from, body)
			return twimlReply(t, w.postTwilio(path, form, signTwilio(webhookTwilioToken, signedURL, form)))
		}

		if got := send("SM01", "  stop "); len(got) != 1 || !strings.Contains(got[0], "unsubscribed from duehub") {
			t.Errorf("STOP reply = %q", got)
		}
		if got := w.suppressed(); got["sms:"+from] != payers.SuppressSMSStop {
			t.Fatalf("after STOP suppressions = %v", got)
		}

		if got := send("SM02", "HELP"); len(got) != 1 || !strings.Contains(got[0], "duehub") ||
			!strings.Contains(got[0], "Reply STOP to unsubscribe") {
			t.Errorf("HELP reply = %q", got)
		}
		if got := send("SM03", "When is invoice 7 due?"); len(got) != 0 {
			t.Errorf("a question got an automatic reply %q", got)
		}
		if _, ok := w.suppressed()["sms:"+from]; !ok {
			t.Fatal("HELP or a question lifted the STOP")
		}

		if got := send("SM04", "Start"); len(got) != 1 || !strings.Contains(got[0], "resubscribed") {
			t.Errorf("START reply = %q", got)
		}
		if got := w.suppressed(); len(got) != 0 {
			t.Fatalf("after START suppressions = %v", got)
		}
		// Twilio's signature has no timestamp: a recorded STOP replayed later
		// must not undo the payer's START.
		send("SM01", "  stop ")
		if got := w.suppressed(); len(got) != 0 {
			t.Fatalf("replayed STOP suppressed again: %v", got)
		}
		for _, kw := range []string{"OPT OUT", "unsubscribe", "Quit"} {
			send("SM-"+kw, kw)
			if _, ok := w.suppressed()["sms:"+from]; !ok {
				t.Errorf("%q did not suppress", kw)
			}
			send("SM-start-"+kw, "UNSTOP")
		}
	})
}

func TestTwilioWebhooksRefuseForgeries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newHubWithWebhooks(t, db)
		smsDigest := w.digest("sms", "SM0123456789abcdef0123456789abcdef", "+15551230000", w.now.Add(-time.Hour))
		const inbound, status = "/webhooks/twilio/inbound", "/webhooks/twilio/status"
		stop := inboundSMS("SM01", "+15551230000", "STOP")
		genuine := signTwilio(webhookTwilioToken, webhookPublicURL+inbound, stop)
		start := inboundSMS("SM01", "+15551230000", "START")
		failed := url.Values{"MessageSid": {"SM0123456789abcdef0123456789abcdef"}, "MessageStatus": {"failed"},
			"ErrorCode": {"21610"}, "To": {"+15551230000"}}

		for _, tt := range []struct {
			name, path string
			form       url.Values
			sig        string
		}{
			{"signed with another token", inbound, stop, signTwilio("fedcba9876543210fedcba9876543210", webhookPublicURL+inbound, stop)},
			{"no signature", inbound, stop, ""},
			{"tampered body", inbound, start, genuine},
			// What r.Host says, not the configured public URL.
			{"signed for the URL the request arrived at", inbound, stop, signTwilio(webhookTwilioToken, w.srv.URL+inbound, stop)},
			{"signed for another route", inbound, stop, signTwilio(webhookTwilioToken, webhookPublicURL+status, stop)},
			{"status signed with another token", status, failed, signTwilio("fedcba9876543210fedcba9876543210", webhookPublicURL+status, failed)},
			{"status without signature", status, failed, ""},
		} {
			t.Run(tt.name, func(t *testing.T) {
				w.postTwilio(tt.path, tt.form, tt.sig).problem(t, http.StatusForbidden)
			})
		}
		if got := w.suppressed(); len(got) != 0 {
			t.Errorf("refused requests suppressed %v", got)
		}
		if n := w.count("provider_events", ""); n != 0 {
			t.Errorf("refused requests recorded %d events", n)
		}
		if got := w.delivery(smsDigest); got != "" {
			t.Errorf("refused requests set delivery %q", got)
		}
	})
}

func TestTwilioStatusCallback(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		w := newHubWithWebhooks(t, db)
		const path = "/webhooks/twilio/status"
		delivered := w.digest("sms", "SM0000000000000000000000000000000a", "+15551230000", w.now.Add(-2*time.Hour))
		stopped := w.digest("sms", "SM0000000000000000000000000000000b", "+15559870000", w.now.Add(-time.Hour))
		post := func(form url.Values) {
			t.Helper()
			r := w.postTwilio(path, form, signTwilio(webhookTwilioToken, webhookPublicURL+path, form))
			if r.status/100 != 2 {
				t.Fatalf("status callback: %d %s", r.status, r.body)
			}
		}
		post(url.Values{"MessageSid": {"SM0000000000000000000000000000000a"}, "MessageStatus": {"delivered"}, "To": {"+15551230000"}})
		post(url.Values{"MessageSid": {"SM0000000000000000000000000000000b"}, "MessageStatus": {"undelivered"},
			"ErrorCode": {"21610"}, "To": {"+15559870000"}})

		if got := w.delivery(delivered); got != "delivered" {
			t.Errorf("delivery = %q, want delivered", got)
		}
		if got := w.delivery(stopped); got != "undelivered" {
			t.Errorf("delivery = %q, want undelivered", got)
		}
		want := map[string]string{"sms:+15559870000": payers.SuppressSMSStop}
		if got := w.suppressed(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("suppressions = %v, want %v", got, want)
		}
	})
}

func TestWebhooksNeedTheirProvider(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHub(t, db)
		for _, path := range []string{"/webhooks/sendgrid", "/webhooks/twilio/status", "/webhooks/twilio/inbound"} {
			h.do(http.MethodPost, path, "", "[]").problem(t, http.StatusNotFound)
		}
	})
}
