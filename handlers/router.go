package handlers

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

func init() { gin.SetMode(gin.ReleaseMode) }

// routes lists every route of the hub.
func (s *Server) routes() http.Handler {
	r := gin.New()
	// External ids may hold "/" (INV/2026/7): match on the escaped path, then unescape.
	r.UseRawPath = true
	r.UnescapePathValues = true
	r.HandleMethodNotAllowed = true
	r.Use(s.recoverer, s.observe)
	r.NoRoute(func(c *gin.Context) { s.fail(c, errNoRoute) })
	r.NoMethod(func(c *gin.Context) { s.fail(c, errMethodNotAllowed) })

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", s.metricsHandler())
	r.GET("/openapi.yaml", s.openapi)
	if s.outbox != nil {
		r.GET("/dev/outbox", s.outboxList)
		r.GET("/dev/outbox.json", s.outboxJSON)
		r.GET("/dev/outbox/:id", s.outboxMessage)
	}

	if s.links != nil {
		r.GET("/l/:token", s.linkEntry)
		r.POST("/l/:token", s.unsubscribe)
		r.GET("/s/:token", s.shortEntry)
		r.POST("/portal/fresh-link", s.freshLink)
		portal := r.Group("/portal", s.portalAuth)
		portal.GET("", s.inbox)
		portal.GET("/payments/new", s.newPayment)
		portal.POST("/payments", s.reportPayment)
		portal.GET("/settings", s.settingsPage)
		portal.POST("/settings", s.saveSettings)
		portal.POST("/settings/code", s.sendContactCode)
		portal.POST("/settings/contacts", s.addContact)
		portal.POST("/settings/contacts/:id", s.changeContact)
		portal.POST("/settings/unsubscribe", s.unsubscribeAll)
		portal.GET("/invoices/:id", s.invoicePage)
		portal.GET("/invoices/:id/credit", s.creditPage)
		portal.POST("/invoices/:id/credit", s.applyCredit)
		portal.POST("/invoices/:id/credit/code", s.creditCode)
		portal.POST("/signout", s.signOutEverywhere)
		portal.POST("/invoices/:id/pay", s.payInvoice)
		portal.POST("/invoices/:id/questions", s.askQuestion)
		portal.POST("/invoices/:id/disputes", s.openDispute)
		portal.POST("/invoices/:id/promise", s.promiseToPay)
		portal.POST("/vendors/:id/mute", s.muteVendor)
		portal.POST("/pause", s.pauseReminders)
	}

	if s.payers != nil {
		r.GET("/vendor/signin", s.signinPage)
		r.POST("/vendor/signin", s.requestSignin)
		r.GET("/vendor/signin/:token", s.signinConfirm)
		r.POST("/vendor/signin/:token", s.signin)
		vendor := r.Group("/vendor", s.vendorAuth)
		vendor.GET("", s.vendorInbox)
		vendor.POST("/signout", s.vendorSignout)
		vendor.GET("/threads/:id", s.vendorThreadPage)
		vendor.POST("/threads/:id/reply", s.vendorReply)
		vendor.POST("/threads/:id/resolve", s.vendorResolve)
		vendor.POST("/threads/:id/assign", s.vendorAssign)
		vendor.POST("/payments/:id/confirm", s.vendorConfirmPayment)
		vendor.GET("/members", s.membersPage)
		vendor.POST("/members", s.requireAdmin, s.inviteMember)
		vendor.POST("/members/:id/disable", s.requireAdmin, s.disableMember)
	}

	// Provider webhooks exist only for the providers configured.
	if s.sendgridKey != nil {
		r.POST("/webhooks/sendgrid", s.sendgridEvents)
	}
	if s.twilioToken != "" && s.publicURL != "" {
		r.POST("/webhooks/twilio/status", s.twilioStatus)
		r.POST("/webhooks/twilio/inbound", s.twilioInbound)
	}

	v1 := r.Group("/v1", s.authenticate, s.idempotent)
	v1.PUT("/invoices/:external_id", s.putInvoice)
	v1.POST("/invoices/batch", s.batchInvoices)
	v1.GET("/invoices/:external_id", s.getInvoice)
	v1.GET("/invoices", s.listInvoices)
	v1.PUT("/credits/:external_id", s.putCredit)
	v1.GET("/credits/:external_id", s.getCredit)
	v1.GET("/credits", s.listCredits)
	v1.GET("/reminder-policy", s.getPolicy)
	v1.PUT("/reminder-policy", s.putPolicy)
	v1.POST("/members", s.createMember)
	v1.GET("/members", s.listMembers)
	v1.GET("/threads", s.listThreads)
	v1.GET("/threads/:id", s.getThread)
	v1.POST("/threads/:id/messages", s.postThreadMessage)
	v1.POST("/threads/:id/resolve", s.resolveThread)
	v1.GET("/payments", s.listPayments)
	v1.POST("/payments/:id/confirm", s.confirmPayment)
	v1.GET("/events", s.listEvents)
	v1.POST("/webhook-endpoints", s.createEndpoint)
	v1.GET("/webhook-endpoints", s.listEndpoints)
	v1.GET("/webhook-endpoints/:id", s.getEndpoint)
	v1.DELETE("/webhook-endpoints/:id", s.deleteEndpoint)
	v1.GET("/webhook-endpoints/:id/deliveries", s.listDeliveries)
	v1.POST("/webhook-endpoints/:id/deliveries/:delivery_id/resend", s.resendDelivery)
	return headAsGet(r, "/v1/")
}

// headAsGet answers a HEAD under prefix as the GET of the same URL, through
// the same handlers (authentication included): same status and headers, and
// net/http drops the body of a response to HEAD. A path without GET answers
// HEAD as it answers GET (405, 404).
func headAsGet(h http.Handler, prefix string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead && strings.HasPrefix(r.URL.Path, prefix) {
			get := *r
			get.Method = http.MethodGet
			r = &get
		}
		h.ServeHTTP(w, r)
	})
}
