package handlers

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/vendors"
)

type endpointRequest struct {
	URL         string   `json:"url"`
	EventTypes  []string `json:"event_types"`
	Description string   `json:"description"`
}

type endpointResponse struct {
	ID             string    `json:"id"`
	URL            string    `json:"url"`
	Description    string    `json:"description"`
	EventTypes     []string  `json:"event_types"`
	Status         string    `json:"status"`
	DisabledReason string    `json:"disabled_reason"`
	CreatedAt      time.Time `json:"created_at"`
}

// createdEndpoint is the only response that carries the signing secret.
type createdEndpoint struct {
	endpointResponse
	Secret string `json:"secret"`
}

type endpointList struct {
	Data []endpointResponse `json:"data"`
}

func endpointOut(e vendors.WebhookEndpoint) endpointResponse {
	return endpointResponse{
		ID: e.PublicID, URL: e.URL, Description: e.Description, EventTypes: e.Types(), Status: e.Status,
		DisabledReason: e.DisabledReason, CreatedAt: e.CreatedAt.UTC(),
	}
}

func (s *Server) createEndpoint(c *gin.Context) {
	body, err := readBody(c, maxSingleBody)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req endpointRequest
	if err := decodeStrict(body, &req); err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	if err := s.webhooks.CheckURL(ctx, req.URL); err != nil {
		s.fail(c, err)
		return
	}
	e, err := s.vendors.CreateWebhookEndpoint(ctx, vendorID(c), vendors.NewWebhookEndpoint{
		URL: req.URL, EventTypes: req.EventTypes, Description: req.Description,
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, createdEndpoint{endpointOut(e), e.Secret})
}

func (s *Server) listEndpoints(c *gin.Context) {
	es, err := s.vendors.WebhookEndpoints(c.Request.Context(), vendorID(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	out := endpointList{Data: make([]endpointResponse, len(es))}
	for i, e := range es {
		out.Data[i] = endpointOut(e)
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) getEndpoint(c *gin.Context) {
	e, err := s.vendors.GetWebhookEndpoint(c.Request.Context(), vendorID(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, endpointOut(e))
}

func (s *Server) deleteEndpoint(c *gin.Context) {
	if err := s.vendors.DeleteWebhookEndpoint(c.Request.Context(), vendorID(c), c.Param("id")); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type deliveryResponse struct {
	ID               string            `json:"id"`
	EventID          string            `json:"event_id"`
	EventType        string            `json:"event_type"`
	Status           string            `json:"status"`
	AttemptCount     int               `json:"attempt_count"`
	NextAttemptAt    *time.Time        `json:"next_attempt_at"`
	LastAttemptAt    *time.Time        `json:"last_attempt_at"`
	LastResponseCode *int              `json:"last_response_code"`
	LastError        string            `json:"last_error"`
	DeliveredAt      *time.Time        `json:"delivered_at"`
	CreatedAt        time.Time         `json:"created_at"`
	Attempts         []attemptResponse `json:"attempts"`
}

type attemptResponse struct {
	AttemptedAt  time.Time `json:"attempted_at"`
	ResponseCode *int      `json:"response_code"`
	Error        string    `json:"error"`
	DurationMS   int       `json:"duration_ms"`
}

type deliveryList struct {
	Data       []deliveryResponse `json:"data"`
	NextCursor *string            `json:"next_cursor"`
}

func deliveryOut(v vendors.DeliveryView) deliveryResponse {
	d := v.WebhookDelivery
	out := deliveryResponse{
		ID: d.PublicID, EventID: deliveryEventID(v), EventType: v.EventType, Status: d.Status,
		AttemptCount: d.Attempts, NextAttemptAt: utcOrNil(d.NextAttemptAt), LastAttemptAt: utcOrNil(d.LastAttemptAt),
		LastResponseCode: statusOrNil(d.LastStatusCode), LastError: d.LastError, DeliveredAt: utcOrNil(d.DeliveredAt),
		CreatedAt: d.CreatedAt.UTC(), Attempts: make([]attemptResponse, len(v.Log)),
	}
	for i, a := range v.Log {
		out.Attempts[i] = attemptResponse{AttemptedAt: a.CreatedAt.UTC(), ResponseCode: statusOrNil(a.StatusCode), Error: a.Error, DurationMS: a.DurationMS}
	}
	return out
}

// deliveryEventID is the public id of the event a delivery carries.
func deliveryEventID(v vendors.DeliveryView) string {
	if v.TestEventID != "" {
		return v.TestEventID
	}
	return v.EventPublicID
}

func utcOrNil(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// statusOrNil is an HTTP status, or nil when no response came back.
func statusOrNil(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

func (s *Server) listDeliveries(c *gin.Context) {
	page, err := s.readPage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	// Newest first: the cursor is the last delivery given, and the next page is older.
	views, more, err := s.vendors.WebhookDeliveries(c.Request.Context(), vendorID(c), c.Param("id"), page.after, page.limit)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := deliveryList{Data: make([]deliveryResponse, len(views))}
	for i, v := range views {
		out.Data[i] = deliveryOut(v)
	}
	if more {
		out.NextCursor = page.next(views[len(views)-1].ID)
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) resendDelivery(c *gin.Context) {
	v, err := s.vendors.ResendWebhookDelivery(c.Request.Context(), vendorID(c), c.Param("id"), c.Param("delivery_id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, deliveryOut(v))
}
