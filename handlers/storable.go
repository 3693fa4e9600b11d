package handlers

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/vendors"
)

// Text that cannot be stored is refused where it enters: PostgreSQL refuses
// NUL in text (and would answer 500), and no field of ours holds control
// characters or bytes that are not UTF-8. The JSON bodies are checked by
// strictjson.go; this file checks forms, path ids and query parameters
// with the same rule (isControl).

// textProblem says what is wrong with s, or "" when it can be stored.
// Multi-line text may hold tabs and line breaks.
func textProblem(s string, multiline bool) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	for _, r := range s {
		if isControl(r, multiline) {
			if multiline {
				return fmt.Sprintf("must not contain control characters other than tab and line breaks (found U+%04X)", r)
			}
			return fmt.Sprintf("must not contain control characters (found U+%04X)", r)
		}
	}
	return ""
}

// textMessage reports whether msg is one of textProblem's.
func textMessage(msg string) bool {
	return msg == "is not valid UTF-8" || strings.HasPrefix(msg, "must not contain control characters")
}

// checkForm checks every value posted to a form before the handler reads
// any, so that each form answers bad text with its usual 422 page naming
// the fields (nil when all is well). The fields named multiline are the
// free-text ones (a question, a note) where tabs and line breaks belong.
// A refused field is dropped from the form, so that the page shown again
// does not echo what cannot be shown either.
func checkForm(c *gin.Context, multiline ...string) error {
	c.PostForm("") // parses the body (url-encoded or multipart) into PostForm
	var fe []vendors.FieldError
	for _, name := range sortedKeys(c.Request.PostForm) {
		field, msg := name, textProblem(name, false)
		if msg != "" {
			field = strconv.QuoteToASCII(name) // shown on the page: printable
		}
		for _, v := range c.Request.PostForm[name] {
			if msg != "" {
				break
			}
			msg = textProblem(v, slices.Contains(multiline, name))
		}
		if msg != "" {
			fe = append(fe, vendors.FieldError{Field: field, Message: msg})
			delete(c.Request.PostForm, name)
		}
	}
	if len(fe) > 0 {
		return &vendors.ValidationError{Fields: fe}
	}
	return nil
}

// checkQuery checks the named query parameters like checkForm.
func checkQuery(c *gin.Context, names ...string) error {
	var fe []vendors.FieldError
	for _, name := range names {
		for _, v := range c.QueryArray(name) {
			if msg := textProblem(v, false); msg != "" {
				fe = append(fe, vendors.FieldError{Field: name, Message: msg})
				break
			}
		}
	}
	if len(fe) > 0 {
		return &vendors.ValidationError{Fields: fe}
	}
	return nil
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// findableParams reports whether every path parameter could name something
// stored (vendors.Findable). The external ids of invoices and credits are
// left to their handlers: a PUT reports a bad one as a field error.
func findableParams(c *gin.Context) bool {
	for _, p := range c.Params {
		if p.Key != "external_id" && !vendors.Findable(p.Value) {
			return false
		}
	}
	return true
}

// findableAPI answers 404 for a /v1 path id that names nothing storable,
// before any store is asked (PostgreSQL would fail on a NUL).
func (s *Server) findableAPI(c *gin.Context) {
	if !findableParams(c) {
		s.fail(c, vendors.ErrNotFound)
		return
	}
	c.Next()
}

// cleanPageURL refuses, on the HTML pages of the portal and the vendor
// inbox, a path id that names nothing storable (notFound) and a query
// parameter no link of ours holds (400).
func (s *Server) cleanPageURL(notFound func(*gin.Context), render func(c *gin.Context, status int, title, text string)) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !findableParams(c) {
			notFound(c)
			c.Abort()
			return
		}
		for k, vs := range c.Request.URL.Query() {
			for _, v := range append(vs, k) {
				if textProblem(v, false) != "" {
					render(c, http.StatusBadRequest, "This address is damaged",
						"It holds characters that no link of ours has. Open the page again from its link or from the menu.")
					c.Abort()
					return
				}
			}
		}
		c.Next()
	}
}

func (s *Server) portalMessage(c *gin.Context, status int, title, text string) {
	s.renderPortal(c, status, "message", portalPage{Title: title, Data: text})
}

func (s *Server) vendorMessage(c *gin.Context, status int, title, text string) {
	s.renderVendor(c, status, "message", vendorPage{Title: title, Data: text})
}

// linkExpired and signinExpired are what a link that names nothing shows.
func (s *Server) linkExpired(c *gin.Context) {
	s.renderPortal(c, http.StatusNotFound, "expired", portalPage{Title: "This link has expired"})
}

func (s *Server) signinExpired(c *gin.Context) { s.signinFailed(c, vendors.ErrNotFound) }

// theFields says what is wrong with each field, in sentences: "The email
// must not contain control characters (found U+0000)."
func theFields(ve *vendors.ValidationError) string {
	msgs := make([]string, len(ve.Fields))
	for i, f := range ve.Fields {
		msgs[i] = "The " + f.Field + " " + f.Message + "."
	}
	return strings.Join(msgs, " ")
}
