package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"github.com/duehub/duehub/vendors"
)

// Event is an event as vendors see it, in GET /v1/events and as the body of
// a webhook delivery. ID is the event's public id (vendors.Event.PublicID),
// the same in both, and a cursor GET /v1/events continues after.
type Event struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	CreatedAt time.Time       `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// EventOf returns the vendor-facing form of a stored event.
func EventOf(e vendors.Event) Event {
	data := json.RawMessage(e.Payload)
	if !json.Valid(data) {
		data = json.RawMessage("null")
	}
	return Event{ID: e.PublicID, Type: e.Type, CreatedAt: e.CreatedAt.UTC(), Data: data}
}

// Sign returns the Duehub-Signature header of body sent at unix time t:
// "t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>".
func Sign(secret string, t int64, body []byte) string {
	ts := strconv.FormatInt(t, 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}
