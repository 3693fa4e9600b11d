package sendgrid

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/duehub/duehub/notify"
	"github.com/sendgrid/rest"
)

// apiErrors is SendGrid's error body: {"errors":[{"message","field","help"}]}.
type apiErrors struct {
	Errors []struct {
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"errors"`
}

// recipientField matches the fields SendGrid names for a bad recipient, e.g.
// "personalizations.0.cc.1.email". A bad from or reply_to is our own
// configuration, never a reason to suppress a payer.
var recipientField = regexp.MustCompile(`^personalizations\.(\d+)\.(to|cc|bcc)\.(\d+)\.email$`)

// classify turns a non-2xx response into a notify.Error. recipients resolves
// a field such as personalizations.0.cc.1 back to its address; list "" asks
// for the only recipient, or "" when there are several.
func (s *Sender) classify(resp *rest.Response, recipients func(list string, i int) string) error {
	code := strconv.Itoa(resp.StatusCode)
	err := fmt.Errorf("sendgrid: HTTP %d: %s", resp.StatusCode, truncate(resp.Body, 512))
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		e := &notify.Error{Code: code, Err: err}
		if d, ok := notify.ParseRetryAfter(http.Header(resp.Headers).Get("Retry-After"), s.now()); ok {
			e.RetryAfter = d
		}
		return e
	case resp.StatusCode >= 500:
		return &notify.Error{Code: code, Err: err}
	case resp.StatusCode == http.StatusBadRequest:
		var body apiErrors
		_ = json.Unmarshal([]byte(resp.Body), &body)
		for _, e := range body.Errors {
			if !invalidAddressMessage(e.Message) {
				continue
			}
			addr := ""
			if mm := recipientField.FindStringSubmatch(e.Field); mm != nil {
				i, _ := strconv.Atoi(mm[3])
				addr = recipients(mm[2], i)
			} else if e.Field == "" {
				addr = recipients("", 0)
			}
			// Suppress only an address we can name: suppressing the whole AP
			// team for one bad Cc would silence the payer.
			if addr != "" {
				return &notify.Error{Permanent: true, Suppress: true, Address: addr, Code: code, Err: err}
			}
		}
	}
	return &notify.Error{Permanent: true, Code: code, Err: err}
}

func invalidAddressMessage(msg string) bool {
	msg = strings.ToLower(msg)
	return strings.Contains(msg, "valid address") || strings.Contains(msg, "invalid email") ||
		strings.Contains(msg, "email address is invalid")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
