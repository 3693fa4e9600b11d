package handlers

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/checkout"
)

var problemStripeSignature = newProblem(http.StatusBadRequest, "bad_signature", "The webhook signature is not valid",
	"Stripe-Signature does not match the body under the hub's webhook signing secret, or is older than 5 minutes.")

// stripeWebhook receives Stripe's webhook (issue 17): verified over the raw
// body, stored once by event id and answered at once; a River job applies
// it. A replay is answered 200 and changes nothing.
func (s *Server) stripeWebhook(c *gin.Context) {
	body, err := readWebhookBody(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	got, err := s.checkout.Receive(c.Request.Context(), body, c.GetHeader("Stripe-Signature"))
	switch {
	case errors.Is(err, checkout.ErrBadSignature):
		writeProblem(c, problemStripeSignature)
		return
	case err != nil:
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"received": got.EventID, "type": got.Type, "duplicate": got.RowID != 0 && !got.Fresh,
		"ignored": got.RowID == 0})
}
