package sendgrid

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sendgrid/sendgrid-go/helpers/eventwebhook"
)

// Headers SendGrid signs its Event Webhook with; the handler passes their
// values to ParseEvents.
const (
	SignatureHeader = eventwebhook.VerificationHTTPHeader
	TimestampHeader = eventwebhook.TimestampHTTPHeader
)

// ErrBadSignature means the webhook request was not signed by SendGrid with
// the configured key, or was signed too long ago to be trusted.
var ErrBadSignature = errors.New("sendgrid: bad event webhook signature")

// maxSkew bounds replays: the SDK checks the signature but not its age.
const maxSkew = 5 * time.Minute

// Event is one entry of the Event Webhook's JSON array. SendGrid delivers
// events at least once, so consumers dedupe on SGEventID.
type Event struct {
	SGEventID string `json:"sg_event_id"`
	// Event is delivered, open, click, bounce, dropped, spamreport,
	// unsubscribe, group_unsubscribe, deferred, processed…
	Event     string `json:"event"`
	Email     string `json:"email"`
	Timestamp int64  `json:"timestamp"`
	// MessageID is our custom arg message_id (notify.Message.ID).
	MessageID string `json:"message_id"`
	// SGMessageID starts with the X-Message-Id returned at send time.
	SGMessageID string `json:"sg_message_id"`
	Reason      string `json:"reason"`
	// Type tells a bounce from a block ("bounce" or "blocked").
	Type string `json:"type"`
}

// ParsePublicKey decodes the base64 verification key shown in SendGrid's
// Mail Settings. Unlike eventwebhook.ConvertPublicKeyBase64ToECDSA, it returns
// an error instead of panicking when the key is not ECDSA.
func ParsePublicKey(b64 string) (*ecdsa.PublicKey, error) {
	b64 = strings.TrimSpace(b64)
	der, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("sendgrid: webhook public key is not base64: %w", err)
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("sendgrid: webhook public key: %w", err)
	}
	if _, ok := pub.(*ecdsa.PublicKey); !ok {
		return nil, fmt.Errorf("sendgrid: webhook public key is %T, want ECDSA", pub)
	}
	// The type is checked above, so the SDK's unchecked assertion cannot panic.
	return eventwebhook.ConvertPublicKeyBase64ToECDSA(b64)
}

// ParseEvents verifies a signed Event Webhook request and returns its events.
// body must be the exact raw request body: SendGrid signs the bytes it sent,
// trailing CRLF included, and re-encoded JSON would not verify. Failures of
// signature or age wrap ErrBadSignature; a genuine but unparsable body does
// not.
func ParseEvents(publicKey *ecdsa.PublicKey, signature, timestamp string, body []byte, now time.Time) ([]Event, error) {
	if publicKey == nil || publicKey.Curve == nil {
		return nil, errors.New("sendgrid: no webhook public key configured")
	}
	if signature == "" || timestamp == "" {
		return nil, fmt.Errorf("%w: missing signature or timestamp header", ErrBadSignature)
	}
	ok, err := eventwebhook.VerifySignature(publicKey, body, signature, timestamp)
	if err != nil || !ok {
		return nil, ErrBadSignature
	}
	secs, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: timestamp %q is not unix seconds", ErrBadSignature, timestamp)
	}
	if skew := now.Sub(time.Unix(secs, 0)).Abs(); skew > maxSkew {
		return nil, fmt.Errorf("%w: timestamp is %s away from now", ErrBadSignature, skew.Round(time.Second))
	}
	var events []Event
	if err := json.Unmarshal(body, &events); err != nil {
		return nil, fmt.Errorf("sendgrid: parse events: %w", err)
	}
	return events, nil
}
