package twilio

import (
	"errors"
	"net/url"
	"testing"
)

func TestVerify(t *testing.T) {
	const publicURL = "https://duehub.example/webhooks/twilio/inbound"
	form := url.Values{
		"MessageSid": {"SM0123456789abcdef0123456789abcdef"},
		"AccountSid": {testSID},
		"From":       {"+15551230000"},
		"To":         {"+15550001111"},
		"Body":       {"STOP"},
		"NumMedia":   {"0"},
	}
	genuine := sign(testToken, publicURL, form)

	if err := Verify(testToken, publicURL, form, genuine); err != nil {
		t.Fatalf("genuine request refused: %v", err)
	}

	tampered := url.Values{}
	for k, v := range form {
		tampered[k] = v
	}
	tampered.Set("Body", "START")
	extra := url.Values{}
	for k, v := range form {
		extra[k] = v
	}
	extra.Add("Body", "START")

	refused := []struct {
		name, token, url string
		form             url.Values
		sig              string
	}{
		{"forged signature", testToken, publicURL, form, sign("fedcba9876543210fedcba9876543210", publicURL, form)},
		{"tampered body", testToken, publicURL, tampered, genuine},
		{"repeated key", testToken, publicURL, extra, sign(testToken, publicURL, extra)},
		{"signed for another URL", testToken, "https://duehub.example/webhooks/twilio/status", form, genuine},
		{"no signature", testToken, publicURL, form, ""},
		{"garbage", testToken, publicURL, form, "not-a-signature"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			if err := Verify(tt.token, tt.url, tt.form, tt.sig); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("err = %v, want ErrBadSignature", err)
			}
		})
	}
	if err := Verify("", publicURL, form, genuine); err == nil {
		t.Error("verified with no auth token")
	}
}
