package handlers

import (
	"bytes"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/vendors"
)

// endpointUpdate is the body of POST /v1/webhook-endpoints/{id}: a field
// omitted (or null) keeps its value.
type endpointUpdate struct {
	URL         *string   `json:"url"`
	EventTypes  *[]string `json:"event_types"`
	Description *string   `json:"description"`
	Disabled    *bool     `json:"disabled"`
}

func (s *Server) updateEndpoint(c *gin.Context) {
	var req endpointUpdate
	if err := readJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	// A new URL passes the same check as at registration.
	if req.URL != nil {
		if err := s.webhooks.CheckURL(ctx, *req.URL); err != nil {
			s.fail(c, err)
			return
		}
	}
	e, err := s.vendors.UpdateWebhookEndpoint(ctx, vendorID(c), c.Param("id"), vendors.WebhookEndpointUpdate{
		URL: req.URL, EventTypes: req.EventTypes, Description: req.Description, Disabled: req.Disabled,
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, endpointOut(e))
}

// defaultSecretOverlap is how long a rolled secret keeps signing when the
// vendor does not say.
const defaultSecretOverlap = 24 * time.Hour

type rollRequest struct {
	// ExpiresIn is how many seconds the previous secret keeps signing.
	ExpiresIn *int64 `json:"expires_in"`
}

// rolledEndpoint is the answer to a roll: the new secret, shown once.
type rolledEndpoint struct {
	endpointResponse
	Secret                  string     `json:"secret"`
	PreviousSecretExpiresAt *time.Time `json:"previous_secret_expires_at"`
}

func (s *Server) rollEndpointSecret(c *gin.Context) {
	body, err := readBody(c, maxSingleBody)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req rollRequest
	// The body is optional.
	if len(bytes.TrimSpace(body)) > 0 {
		if err := decodeStrict(body, &req); err != nil {
			s.fail(c, err)
			return
		}
	}
	overlap := defaultSecretOverlap
	if req.ExpiresIn != nil {
		if *req.ExpiresIn < 0 || *req.ExpiresIn > int64(vendors.MaxSecretOverlap/time.Second) {
			s.fail(c, vendors.Invalid("expires_in", "must be between 0 and 604800 seconds (7 days)"))
			return
		}
		overlap = time.Duration(*req.ExpiresIn) * time.Second
	}
	e, err := s.vendors.RollWebhookSecret(c.Request.Context(), vendorID(c), c.Param("id"), overlap)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, rolledEndpoint{endpointOut(e), e.Secret, utcOrNil(e.PreviousSecretExpiresAt)})
}

func (s *Server) sendTestEvent(c *gin.Context) {
	v, err := s.vendors.SendWebhookTestEvent(c.Request.Context(), vendorID(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, deliveryOut(v))
}
