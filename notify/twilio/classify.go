package twilio

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/duehub/duehub/notify"
	"github.com/twilio/twilio-go/client"
)

// Twilio error codes that mean the number must never be texted again.
// https://www.twilio.com/docs/api/errors
var suppressCodes = map[int]string{
	21610: "recipient replied STOP",
	21211: "invalid 'To' number",
	21614: "'To' is not a mobile number",
}

// classify turns a CreateMessage failure into a notify.Error. status and
// header come from the transport; status is 0 when no response arrived.
func (s *Sender) classify(err error, status int, header http.Header, to string) error {
	err = fmt.Errorf("twilio: create message: %w", err)
	code := ""
	var te *client.TwilioRestError
	if errors.As(err, &te) {
		if _, ok := suppressCodes[te.Code]; ok {
			return &notify.Error{Permanent: true, Suppress: true, Address: to, Code: strconv.Itoa(te.Code), Err: err}
		}
		if te.Code != 0 {
			code = strconv.Itoa(te.Code)
		}
		if status == 0 {
			// The SDK refuses bad credentials itself, with no response.
			status = te.Status
		}
	}
	if status == 0 {
		return notify.NetworkError(err)
	}
	if code == "" {
		code = strconv.Itoa(status)
	}
	switch {
	case status == http.StatusTooManyRequests || status >= 500:
		e := &notify.Error{Code: code, Err: err}
		if d, ok := notify.ParseRetryAfter(header.Get("Retry-After"), s.now()); ok {
			e.RetryAfter = d
		}
		return e
	case status >= 200 && status < 300:
		// Twilio accepted the message but we could not read its SID: sending
		// again would text the payer twice.
		return &notify.Error{Permanent: true, Code: "unreadable_response", Err: err}
	default:
		return &notify.Error{Permanent: true, Code: code, Err: err}
	}
}
