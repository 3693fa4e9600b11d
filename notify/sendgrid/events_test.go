package sendgrid

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"strconv"
	"testing"
	"time"
)

// signEvents signs a webhook body the way SendGrid does: ECDSA P-256 over
// SHA-256(timestamp + body), ASN.1 DER signature, base64.
func signEvents(t *testing.T, key *ecdsa.PrivateKey, timestamp string, body []byte) string {
	t.Helper()
	h := sha256.Sum256(append([]byte(timestamp), body...))
	sig, err := ecdsa.SignASN1(rand.Reader, key, h[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

func publicKeyBase64(t *testing.T, pub any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

func TestParseEvents(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParsePublicKey(publicKeyBase64(t, &key.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)

	now := time.Unix(1795000000, 0)
	ts := strconv.FormatInt(now.Unix(), 10)
	// SendGrid's signed body ends in CRLF; it must be verified byte for byte.
	body := []byte(`[{"email":"ap@payer.example","timestamp":1794999990,"event":"bounce","type":"bounce","reason":"550 5.1.1 no such user","sg_event_id":"ev-1","sg_message_id":"sg-msg-1.filter0001","message_id":"msg_01JD"},` +
		`{"email":"approver@payer.example","timestamp":1794999991,"event":"delivered","sg_event_id":"ev-2","sg_message_id":"sg-msg-1.filter0002","message_id":"msg_01JD"}]` + "\r\n")
	sig := signEvents(t, key, ts, body)

	events, err := ParseEvents(pub, sig, ts, body, now)
	if err != nil {
		t.Fatalf("genuine request refused: %v", err)
	}
	want := Event{SGEventID: "ev-1", Event: "bounce", Email: "ap@payer.example", Timestamp: 1794999990,
		MessageID: "msg_01JD", SGMessageID: "sg-msg-1.filter0001", Reason: "550 5.1.1 no such user", Type: "bounce"}
	if len(events) != 2 || events[0] != want || events[1].Event != "delivered" || events[1].Email != "approver@payer.example" {
		t.Fatalf("events = %+v", events)
	}

	tampered := append([]byte{}, body...)
	copy(tampered[10:], "attacker@evil.example")
	old := strconv.FormatInt(now.Add(-6*time.Minute).Unix(), 10)
	future := strconv.FormatInt(now.Add(6*time.Minute).Unix(), 10)
	refused := []struct {
		name    string
		sig, ts string
		body    []byte
	}{
		{"tampered body", sig, ts, tampered},
		{"body re-encoded without the CRLF", sig, ts, body[:len(body)-2]},
		{"signed by another key", signEvents(t, otherKey, ts, body), ts, body},
		{"signature for another timestamp", sig, strconv.FormatInt(now.Unix()+1, 10), body},
		{"garbage signature", "bm90IGEgc2lnbmF0dXJl", ts, body},
		{"signature not base64", "%%%", ts, body},
		{"no signature", "", ts, body},
		{"stale timestamp, genuinely signed", signEvents(t, key, old, body), old, body},
		{"future timestamp, genuinely signed", signEvents(t, key, future, body), future, body},
		{"timestamp not a number, genuinely signed", signEvents(t, key, "yesterday", body), "yesterday", body},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseEvents(pub, tt.sig, tt.ts, tt.body, now)
			if !errors.Is(err, ErrBadSignature) {
				t.Fatalf("err = %v, want ErrBadSignature", err)
			}
		})
	}

	t.Run("genuine but not JSON", func(t *testing.T) {
		junk := []byte("not json")
		_, err := ParseEvents(pub, signEvents(t, key, ts, junk), ts, junk, now)
		if err == nil || errors.Is(err, ErrBadSignature) {
			t.Fatalf("err = %v, want a parse error that is not ErrBadSignature", err)
		}
	})
	t.Run("no key configured", func(t *testing.T) {
		if _, err := ParseEvents(nil, sig, ts, body, now); err == nil {
			t.Fatal("accepted with no public key")
		}
	})
}

func TestParsePublicKeyRefusesOtherKeysWithoutPanicking(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string]string{
		"RSA":        publicKeyBase64(t, &rsaKey.PublicKey),
		"Ed25519":    publicKeyBase64(t, edPub),
		"not base64": "%%%",
		"not a key":  base64.StdEncoding.EncodeToString([]byte("hello")),
		"empty":      "",
	} {
		t.Run(name, func(t *testing.T) {
			if k, err := ParsePublicKey(in); err == nil {
				t.Fatalf("ParsePublicKey = %v, want an error", k)
			}
		})
	}
}
