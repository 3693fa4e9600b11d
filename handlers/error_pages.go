package handlers

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// A person's browser gets a page, never JSON: only the API, the provider
// webhooks, the machine endpoints and .json routes answer problem+json.

// wantsProblem tells whether a failed request is a machine's: the API,
// webhooks, the operator's and machine endpoints and .json addresses always
// are, the portal and the vendor inbox never; any other address is a
// person's when the client asks for HTML, as browsers do.
func wantsProblem(c *gin.Context) bool {
	path := c.Request.URL.Path
	for _, prefix := range []string{"/v1/", "/webhooks/", "/dev/", "/problems/"} {
		if strings.HasPrefix(path, prefix) {
			return true
		}
	}
	switch path {
	case "/v1", "/webhooks", "/dev", "/problems", "/healthz", "/readyz", "/metrics", "/openapi.yaml":
		return true
	}
	if strings.HasSuffix(path, ".json") {
		return true
	}
	for _, prefix := range []string{"/portal", "/vendor", "/l/", "/s/"} {
		if strings.HasPrefix(path, prefix) {
			return false
		}
	}
	return !strings.Contains(c.GetHeader("Accept"), "text/html")
}

// errorPageText is what each failure says to a person, by status.
func errorPageText(status int) (title, text string) {
	switch status {
	case http.StatusNotFound:
		return "Not found", "There is nothing at this address: it may have moved, or the link was copied incompletely."
	case http.StatusMethodNotAllowed:
		return "This page cannot be opened directly", "This address is where a form is sent, not a page to open. Go back and send the form again if you need to."
	case http.StatusTooManyRequests:
		return "Too many attempts", "Please wait a minute, then try again."
	case http.StatusServiceUnavailable:
		return "The hub is busy", "Please try again in a moment: nothing you sent was lost."
	case http.StatusRequestEntityTooLarge:
		return "That was too large", "Send something shorter."
	}
	if status >= 500 {
		return "Something went wrong on our side", "We could not finish this. Please try again; if it keeps happening, tell the hub's operator."
	}
	return "This did not work", "Go back and try again."
}

// failPage answers a person's failed request with the layout of the part of
// the hub they were in and a way back; it reports false for machine routes.
func (s *Server) failPage(c *gin.Context, p problem) bool {
	if wantsProblem(c) {
		return false
	}
	title, text := errorPageText(p.Status)
	if p.Status >= 500 {
		text += " (Reference " + requestIDOf(c) + ".)"
	}
	if strings.HasPrefix(c.Request.URL.Path, "/vendor") {
		s.renderVendor(c, p.Status, "message", vendorPage{Title: title, Data: text})
	} else {
		s.renderPortal(c, p.Status, "message", portalPage{Title: title, Data: text})
	}
	c.Abort()
	return true
}
