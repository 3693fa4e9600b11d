package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/vendors"
)

func init() { gin.SetMode(gin.ReleaseMode) }

// routes lists every route of the hub.
func (s *Server) routes() http.Handler {
	r := gin.New()
	// External ids may hold "/" (INV/2026/7): match on the escaped path, then unescape.
	r.UseRawPath = true
	r.UnescapePathValues = true
	r.HandleMethodNotAllowed = true
	// Believe X-Forwarded-For only from the configured proxies (gin's
	// default believes anyone, which would let a client pick its own IP).
	proxies := make([]string, len(s.trustedProxies))
	for i, p := range s.trustedProxies {
		proxies[i] = p.String()
	}
	if err := r.SetTrustedProxies(proxies); err != nil {
		panic("handlers: trusted proxies: " + err.Error()) // netip.Prefix strings always parse
	}
	r.Use(s.requestID, s.recoverer, s.observe, s.shedLoad)
	r.NoRoute(func(c *gin.Context) { s.fail(c, errNoRoute) })
	r.NoMethod(func(c *gin.Context) { s.fail(c, errMethodNotAllowed) })

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", s.metricsHandler())
	r.GET("/openapi.yaml", s.openapi)
	r.GET("/problems/:code", s.problemPage)
	if s.branding != nil {
		r.GET("/brand/:vendor/:file", s.brandLogo) // issue 15: vendor logos, public
	}
	if s.outbox != nil {
		dev := r.Group("/dev", s.operatorAuth)
		dev.GET("/outbox", s.outboxList)
		dev.GET("/outbox.json", s.outboxJSON)
		dev.GET("/outbox/:id", s.outboxMessage)
	}

	if s.links != nil {
		linkFailures := s.limitAuthFailures(http.StatusNotFound, s.refusePortal)
		linkURL := s.cleanPageURL(s.linkExpired, s.portalMessage)
		r.GET("/l/:token", linkFailures, linkURL, s.linkEntry)
		r.POST("/l/:token", linkFailures, linkURL, s.unsubscribe)
		r.GET("/s/:token", linkFailures, linkURL, s.shortEntry)
		r.GET("/portal/signed-out", s.signedOut)
		r.POST("/portal/fresh-link", s.sameOrigin, s.limitForm("fresh-link", s.emailTarget, s.refusePortal), s.freshLink)
		portal := r.Group("/portal", s.sameOrigin, s.portalAuth, s.cleanPageURL(s.portalNotFound, s.portalMessage))
		portal.GET("", s.inbox)
		portal.GET("/payments/new", s.newPayment)
		portal.POST("/payments", s.reportPayment)
		portal.GET("/settings", s.settingsPage)
		portal.POST("/settings", s.saveSettings)
		portal.POST("/settings/code", s.limitForm("code", payerTarget, s.refusePortal), s.sendContactCode)
		portal.POST("/settings/contacts", s.addContact)
		portal.POST("/settings/contacts/:id", s.changeContact)
		portal.POST("/settings/unsubscribe", s.unsubscribeAll)
		portal.GET("/invoices/:id", s.invoicePage)
		portal.GET("/invoices/:id/credit", s.creditPage)
		portal.POST("/invoices/:id/credit", s.applyCredit)
		portal.POST("/invoices/:id/credit/code", s.limitForm("code", payerTarget, s.refusePortal), s.creditCode)
		portal.POST("/signout", s.signOutEverywhere)
		portal.POST("/invoices/:id/pay", s.payInvoice)
		portal.POST("/invoices/:id/questions", s.askQuestion)
		portal.POST("/invoices/:id/disputes", s.openDispute)
		portal.POST("/invoices/:id/promise", s.promiseToPay)
		portal.POST("/vendors/:id/mute", s.muteVendor)
		portal.POST("/pause", s.pauseReminders)
		if s.inbound != nil {
			portal.GET("/replies", s.repliesPage)
			portal.POST("/replies/:id/send", s.sendHeldReply)
		}
		portal.POST("/invoices/:id/late-reason", s.giveLateReason) // issue 12
		portal.GET("/late-reasons", s.lateReasonsPage)             // issue 12: after a late payment report
		// Issue 13: undo, reloadable form URLs.
		for _, form := range []string{"questions", "disputes", "promise"} {
			portal.GET("/invoices/:id/"+form, s.formAddress)
		}
		portal.POST("/vendors/:id/unmute", s.unmuteVendor)
		portal.POST("/resume", s.resumeReminders)
		portal.GET("/signout", s.signOutConfirm)
		portal.POST("/invoices/:id/threads/:thread/reply", s.replyInThread)
		portal.GET("/export.csv", s.exportCSV)
		portal.POST("/settings/calendar", s.newCalendar)
		portal.POST("/settings/calendar/revoke", s.revokeCalendar)
		portal.GET("/paid", s.paidPage) // issue 13: the "Paid and closed" tab
		if s.checkout != nil {          // issue 17
			portal.GET("/checkout", s.checkoutPage)
			portal.POST("/checkout", s.startCheckout)
			portal.GET("/checkout/done", s.checkoutDone)
		}
		r.GET("/portal/calendar/:file", linkFailures, s.calendarFeed)
	}

	if s.payers != nil {
		r.GET("/vendor/signin", s.signinPage)
		r.POST("/vendor/signin", s.sameOrigin, s.limitForm("signin", s.emailTarget, s.refuseVendor), s.requestSignin)
		signinFailures := s.limitAuthFailures(http.StatusNotFound, s.refuseVendor)
		signinURL := s.cleanPageURL(s.signinExpired, s.vendorMessage)
		r.GET("/vendor/signin/:token", signinFailures, signinURL, s.signinConfirm)
		r.POST("/vendor/signin/:token", s.sameOrigin, signinFailures, signinURL, s.signin)
		vendor := r.Group("/vendor", s.sameOrigin, s.vendorAuth, s.cleanPageURL(s.vendorNotFound, s.vendorMessage))
		vendor.GET("", s.vendorInbox)
		vendor.POST("/signout", s.vendorSignout)
		vendor.GET("/threads/:id", s.vendorThreadPage)
		vendor.POST("/threads/:id/reply", s.vendorReply)
		vendor.POST("/threads/:id/resolve", s.vendorResolve)
		vendor.POST("/threads/:id/assign", s.vendorAssign)
		vendor.POST("/threads/:id/notes", s.vendorNote)                                 // issue 13
		vendor.GET("/threads/:id/attachments/:attachment_id", s.vendorThreadAttachment) // issue 14
		vendor.POST("/payments/:id/confirm", s.vendorConfirmPayment)
		vendor.GET("/members", s.membersPage)
		vendor.POST("/members", s.requireAdmin, s.inviteMember)
		vendor.POST("/members/:id/disable", s.requireAdmin, s.disableMember)
		vendor.GET("/analytics", s.vendorAnalytics)                         // issue 12
		vendor.GET("/analytics.csv", s.vendorAnalyticsCSV)                  // issue 12
		vendor.POST("/analytics/target", s.requireAdmin, s.vendorSetTarget) // issue 12
		vendor.GET("/likely-late", s.vendorLikelyLate)                      // issue 16
		vendor.POST("/threads/:id/late-reason", s.vendorTagLateReason)      // issue 12

		// Issue 12: an admin turns their weekly summary email on or off.
		vendor.POST("/members/weekly-summary", s.requireAdmin, s.setWeeklySummary)
		// Issue 13: the customer page, saved replies.
		vendor.GET("/customers/:id", s.vendorCustomerPage)
		vendor.GET("/replies", s.savedRepliesPage)
		vendor.POST("/replies", s.saveReply)
		vendor.POST("/replies/:id", s.saveReply)
		vendor.POST("/replies/:id/delete", s.deleteReply)
		// Issue 15: sign-up, API keys and test mode, CSV import.
		signup := r.Group("/vendor/signup", s.signupClosed)
		signup.GET("", s.signupPage)
		signup.POST("", s.sameOrigin, s.limitForm("signup", s.emailTarget, s.refuseVendor), s.requestSignup)
		signupURL := s.cleanPageURL(s.signupExpired, s.vendorMessage)
		signup.GET("/:token", signinFailures, signupURL, s.signupConfirm)
		signup.POST("/:token", s.sameOrigin, signinFailures, signupURL, s.signupVerified)
		vendor.GET("/keys", s.requireAdmin, s.keysPage)
		vendor.POST("/keys", s.requireAdmin, s.createKey)
		vendor.POST("/keys/:id/roll", s.requireAdmin, s.rollKey)
		vendor.POST("/keys/:id/revoke", s.requireAdmin, s.revokeKey)
		vendor.GET("/sandbox", s.sandboxPage)
		if s.imports != nil {
			vendor.GET("/import", s.requireAdmin, s.importHome)
			vendor.POST("/import/preview", s.requireAdmin, s.previewImport)
			vendor.POST("/import/mapping", s.requireAdmin, s.saveImportMapping)
			vendor.POST("/import/run", s.requireAdmin, s.runImport)
			vendor.GET("/import/runs/:id", s.requireAdmin, s.importRunPage)
			vendor.GET("/import/runs/:id/errors.csv", s.requireAdmin, s.importErrorsCSV)
		}
		if s.audit != nil {
			vendor.GET("/audit", s.requireAdmin, s.vendorAuditPage) // issue 15
		}
		if s.branding != nil { // issue 15: vendor branding
			vendor.GET("/branding", s.requireAdmin, s.brandingPage)
			vendor.POST("/branding/logo", s.requireAdmin, s.uploadBrandLogo)
			vendor.POST("/branding/logo/remove", s.requireAdmin, s.removeBrandLogo)
			vendor.POST("/branding/accent", s.requireAdmin, s.setBrandAccent)
		}
		if s.checkout != nil { // issue 17
			vendor.GET("/stripe", s.requireAdmin, s.stripePage)
			vendor.POST("/stripe/connect", s.requireAdmin, s.connectStripe)
			vendor.POST("/stripe/refresh", s.requireAdmin, s.refreshStripe)
		}
	}

	// Issue 15: the operator console.
	if s.admins != nil && s.console != nil && s.audit != nil && s.eraser != nil && s.payers != nil {
		r.GET("/admin/signin", s.adminSigninPage)
		r.POST("/admin/signin", s.sameOrigin, s.limitForm("admin-signin", s.emailTarget, s.refuseAdmin), s.adminRequestSignin)
		adminFailures := s.limitAuthFailures(http.StatusNotFound, s.refuseAdmin)
		r.GET("/admin/signin/:token", adminFailures, s.adminSigninConfirm)
		r.POST("/admin/signin/:token", s.sameOrigin, adminFailures, s.adminSignin)
		admin := r.Group("/admin", s.sameOrigin, s.adminAuth)
		admin.GET("", s.adminHomePage)
		admin.POST("/signout", s.adminSignout)
		admin.POST("/vendors/:id/approve", s.adminSetVendorStatus(vendors.StatusActive))
		admin.POST("/vendors/:id/suspend", s.adminSetVendorStatus(vendors.StatusSuspended))
		admin.GET("/payers", s.adminPayersPage)
		admin.POST("/payers/erase", s.adminErasePayer)
		admin.GET("/suppressions", s.adminSuppressionsPage)
		admin.POST("/suppressions/:id/lift", s.adminLiftSuppression)
		admin.GET("/audit", s.adminAuditPage)
	}

	// Provider webhooks exist only for the providers configured.
	if s.sendgridKey != nil {
		r.POST("/webhooks/sendgrid", s.sendgridEvents)
	}
	if s.inbound != nil && len(s.inboundSecret) > 0 {
		r.POST("/webhooks/sendgrid/inbound/:secret", s.sendgridInbound)
	}
	if s.checkout != nil {
		r.POST("/webhooks/stripe", s.stripeWebhook) // issue 17
	}
	if s.twilioToken != "" && s.publicURL != "" {
		r.POST("/webhooks/twilio/status", s.twilioStatus)
		r.POST("/webhooks/twilio/inbound", s.twilioInbound)
	}

	v1 := r.Group("/v1", s.limitAuthFailures(http.StatusUnauthorized, s.refuseAPI), s.authenticate, s.limitAPIKey, s.findableAPI, s.idempotent)
	get := headToo(v1) // HEAD wherever GET
	v1.PUT("/invoices/:external_id", s.putInvoice)
	v1.POST("/invoices/batch", s.batchInvoices)
	get("/invoices/:external_id", s.getInvoice)
	get("/invoices", s.listInvoices)
	v1.PUT("/credits/:external_id", s.putCredit)
	get("/credits/:external_id", s.getCredit)
	get("/credits", s.listCredits)
	get("/reminder-policy", s.getPolicy)
	v1.PUT("/reminder-policy", s.putPolicy)
	v1.POST("/members", s.createMember)
	get("/members", s.listMembers)
	get("/threads", s.listThreads)
	get("/threads/:id", s.getThread)
	v1.POST("/threads/:id/messages", s.postThreadMessage)
	v1.POST("/threads/:id/resolve", s.resolveThread)
	get("/threads/:id/attachments", s.listThreadAttachments)
	get("/threads/:id/attachments/:attachment_id", s.getThreadAttachment)
	get("/payments", s.listPayments)
	v1.POST("/payments/:id/confirm", s.confirmPayment)
	get("/events", s.listEvents)
	v1.POST("/webhook-endpoints", s.createEndpoint)
	get("/webhook-endpoints", s.listEndpoints)
	get("/webhook-endpoints/:id", s.getEndpoint)
	v1.POST("/webhook-endpoints/:id", s.updateEndpoint)
	v1.DELETE("/webhook-endpoints/:id", s.deleteEndpoint)
	v1.POST("/webhook-endpoints/:id/roll-secret", s.rollEndpointSecret)
	v1.POST("/webhook-endpoints/:id/test", s.sendTestEvent)
	get("/webhook-endpoints/:id/deliveries", s.listDeliveries)
	v1.POST("/webhook-endpoints/:id/deliveries/:delivery_id/resend", s.resendDelivery)
	get("/analytics", s.getAnalytics) // issue 12
	return r
}

// headToo registers handlers for GET and HEAD of a path: HEAD gets the same
// status and headers, and net/http drops the body of a response to HEAD.
func headToo(g *gin.RouterGroup) func(path string, handlers ...gin.HandlerFunc) {
	return func(path string, handlers ...gin.HandlerFunc) {
		g.GET(path, handlers...)
		g.HEAD(path, handlers...)
	}
}
