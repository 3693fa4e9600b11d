package handlers

import (
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/inbound"
	"github.com/duehub/duehub/notify/sendgrid"
	"github.com/duehub/duehub/notify/twilio"
	"github.com/duehub/duehub/payers"
)

// Provider webhooks. Each handler reads the raw body first (signatures cover
// the exact bytes), has the provider's package verify it, and only then
// parses and applies it. A request that fails verification changes nothing.
// A provider that is not configured has no route (404); the guards below
// keep it so should the route be registered anyway.

// webhookMaxBody bounds a webhook body; SendGrid batches stay well under it.
const webhookMaxBody = 5 << 20

// Replies to SMS keywords. Carriers expect STOP and HELP to be answered and
// the answer to name the program.
const (
	smsReplyStop  = "You are unsubscribed from duehub reminders. Reply START to resubscribe."
	smsReplyStart = "You are resubscribed to duehub payment reminders. Reply STOP to unsubscribe."
	smsReplyHelp  = "duehub: one payment-reminder digest for all your vendors. " +
		"Reply STOP to unsubscribe, START to resubscribe."
)

var (
	problemSendGridSignature = newProblem(http.StatusUnauthorized, "bad_signature", "The webhook signature is not valid",
		"Sign the request with SendGrid's Signed Event Webhook; the timestamp must be within 5 minutes.")
	problemTwilioSignature = newProblem(http.StatusForbidden, "bad_signature", "The webhook signature is not valid",
		"X-Twilio-Signature does not match this request and the hub's public URL.")
)

// sendgridEvents receives SendGrid's Event Webhook.
func (s *Server) sendgridEvents(c *gin.Context) {
	if s.sendgridKey == nil {
		s.fail(c, errNoRoute)
		return
	}
	body, err := readWebhookBody(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	events, err := sendgrid.ParseEvents(s.sendgridKey, c.GetHeader(sendgrid.SignatureHeader),
		c.GetHeader(sendgrid.TimestampHeader), body, s.now())
	switch {
	case errors.Is(err, sendgrid.ErrBadSignature):
		writeProblem(c, problemSendGridSignature)
		return
	case err != nil:
		writeProblem(c, newProblem(http.StatusBadRequest, "malformed_events", "The body is not a SendGrid event array", ""))
		return
	}
	in := make([]payers.EmailEvent, len(events))
	for i, e := range events {
		// sg_message_id is "<X-Message-Id>.<filter…>"; the ledger holds the X-Message-Id.
		providerID, _, _ := strings.Cut(e.SGMessageID, ".")
		in[i] = payers.EmailEvent{Provider: "sendgrid", EventID: e.SGEventID, Type: e.Event, Email: e.Email,
			MessageID: e.MessageID, ProviderMessageID: providerID, Reason: e.Reason, BounceType: e.Type}
	}
	applied, err := s.payers.ApplyEmailEvents(c.Request.Context(), in)
	if err != nil {
		// SendGrid retries the batch; the events already applied are skipped then.
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"received": len(events), "applied": applied})
}

// twilioStatus receives Twilio's status callbacks for the SMS we sent.
func (s *Server) twilioStatus(c *gin.Context) {
	form, ok := s.twilioForm(c)
	if !ok {
		return
	}
	err := s.payers.ApplySMSStatus(c.Request.Context(), form.Get("MessageSid"), form.Get("MessageStatus"), form.Get("ErrorCode"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// twilioInbound receives SMS sent to our number and answers keywords.
func (s *Server) twilioInbound(c *gin.Context) {
	form, ok := s.twilioForm(c)
	if !ok {
		return
	}
	keyword := twilio.Keyword(form.Get("Body"))
	if err := s.payers.ApplyInboundSMS(c.Request.Context(), form.Get("MessageSid"), form.Get("From"), keyword); err != nil {
		s.fail(c, err)
		return
	}
	reply := map[string]string{"stop": smsReplyStop, "start": smsReplyStart, "help": smsReplyHelp}[keyword]
	if keyword == "" && s.inbound != nil {
		// Any other text may be a reply to a digest (package inbound).
		_, text, err := s.inbound.RouteSMS(c.Request.Context(), inbound.SMS{SID: form.Get("MessageSid"), From: form.Get("From"), Body: form.Get("Body")})
		if err != nil {
			s.fail(c, err)
			return
		}
		reply = text
	}
	out, err := xml.Marshal(twiml{Message: reply})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Data(http.StatusOK, "text/xml; charset=utf-8", append([]byte(xml.Header), out...))
}

// twiml is a messaging response: one reply, or none.
type twiml struct {
	XMLName xml.Name `xml:"Response"`
	Message string   `xml:"Message,omitempty"`
}

// twilioForm reads and verifies a Twilio webhook POST. On failure it has
// answered and returns false.
func (s *Server) twilioForm(c *gin.Context) (url.Values, bool) {
	if s.twilioToken == "" || s.publicURL == "" {
		s.fail(c, errNoRoute)
		return nil, false
	}
	body, err := readWebhookBody(c)
	if err != nil {
		s.fail(c, err)
		return nil, false
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		writeProblem(c, newProblem(http.StatusBadRequest, "malformed_form", "The body is not a form", ""))
		return nil, false
	}
	// Twilio signs the URL it was configured with, which behind a proxy is
	// not what r.Host and the scheme say: the configured public URL and the
	// route's own path.
	signed := strings.TrimRight(s.publicURL, "/") + c.FullPath()
	if q := c.Request.URL.RawQuery; q != "" {
		signed += "?" + q
	}
	if err := twilio.Verify(s.twilioToken, signed, form, c.GetHeader(twilio.SignatureHeader)); err != nil {
		writeProblem(c, problemTwilioSignature)
		return nil, false
	}
	return form, true
}

// readWebhookBody reads the whole raw body, refusing more than webhookMaxBody.
func readWebhookBody(c *gin.Context) ([]byte, error) {
	return io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, webhookMaxBody))
}
