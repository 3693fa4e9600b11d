package twilio

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/twilio/twilio-go/client"
)

// SignatureHeader carries Twilio's webhook signature.
const SignatureHeader = "X-Twilio-Signature"

// ErrBadSignature means a webhook request was not signed by Twilio with our
// auth token.
var ErrBadSignature = errors.New("twilio: bad webhook signature")

// Verify checks the X-Twilio-Signature of a form-encoded webhook POST.
// publicURL is the URL Twilio was configured to call, from configuration, not
// rebuilt from the request: behind a proxy the Host and scheme differ.
func Verify(authToken, publicURL string, form url.Values, signature string) error {
	if authToken == "" {
		return errors.New("twilio: no auth token configured to verify webhooks")
	}
	if signature == "" {
		return fmt.Errorf("%w: no %s header", ErrBadSignature, SignatureHeader)
	}
	// The SDK signs one value per key. Twilio never repeats a key in
	// messaging webhooks, and a repeated key would leave its extra values
	// unauthenticated, so refuse it.
	params := make(map[string]string, len(form))
	for k, vs := range form {
		if len(vs) > 1 {
			return fmt.Errorf("%w: parameter %q repeated", ErrBadSignature, k)
		}
		if len(vs) == 1 {
			params[k] = vs[0]
		}
	}
	v := client.NewRequestValidator(authToken)
	if !v.Validate(publicURL, params, signature) {
		return ErrBadSignature
	}
	return nil
}
