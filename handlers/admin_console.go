package handlers

import (
	"embed"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/admins"
	"github.com/duehub/duehub/audit"
	"github.com/duehub/duehub/console"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/privacy"
	"github.com/duehub/duehub/vendors"
)

// Issue 15: the operator console at /admin. Every page reads through
// package console (the operator sees every vendor); every action goes
// through the owning package, which writes its audit row.

//go:embed templates/admin/*.html
var adminFS embed.FS

var adminPages = pageSet(adminFS, "templates/admin")

// adminPage is what every console page gets; Data is the page's own.
type adminPage struct {
	Title string
	CSRF  string
	Admin admins.Admin
	Flash string
	Error string
	Data  any
}

func (s *Server) renderAdmin(c *gin.Context, status int, page string, p adminPage) {
	t, ok := adminPages[page]
	if !ok {
		panic("handlers: no admin page " + page)
	}
	if csrf, ok := c.Get(ctxCSRF); ok && p.CSRF == "" {
		p.CSRF = csrf.(string)
	}
	if p.Admin.ID == 0 {
		p.Admin = operatorAdmin(c)
	}
	p.Flash = firstNonEmpty(p.Flash, adminFlash[c.Query("done")])
	s.renderPage(c, status, t, page, p)
}

var adminFlash = map[string]string{
	"approve": "The vendor is active: its API answers and its invoices go into the next digests.",
	"suspend": "The vendor is suspended: its API answers 403 and its invoices are left out of digests.",
	"lift":    "The suppression is lifted: messages may go to this address again.",
	"erase":   "The payer is erased: contacts, names and messages are gone; vendors keep pseudonymised amounts and dates.",
}

// formError is a console form's error, shown next to its field with the
// value kept.
type formError struct {
	ID           int64
	Field, Value string
	Message      string
}

type adminHome struct {
	Vendors   []console.VendorRow
	Queues    []console.QueueState
	Endpoints []console.FailingEndpoint
	Digests   []console.DigestRow
	Form      formError
}

// adminHomePage answers GET /admin.
func (s *Server) adminHomePage(c *gin.Context) { s.renderAdminHome(c, http.StatusOK, formError{}) }

func (s *Server) renderAdminHome(c *gin.Context, status int, fe formError) {
	ctx := c.Request.Context()
	d := adminHome{Form: fe}
	var err error
	if d.Vendors, err = s.console.Vendors(ctx); err == nil {
		if d.Queues, err = s.console.Queues(ctx); err == nil {
			if d.Endpoints, err = s.console.FailingEndpoints(ctx, 50); err == nil {
				d.Digests, err = s.console.RecentDigests(ctx, 0, 25)
			}
		}
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderAdmin(c, status, "home", adminPage{Title: "Operator console", Data: d})
}

func adminIDParam(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	return id, err == nil && id > 0
}

// adminSetVendorStatus answers POST /admin/vendors/:id/approve and
// /admin/vendors/:id/suspend.
func (s *Server) adminSetVendorStatus(status string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := adminIDParam(c)
		if !ok {
			s.adminNotFound(c)
			return
		}
		err := checkForm(c)
		if err == nil {
			err = s.vendors.SetOperatorStatus(c.Request.Context(), id, status, c.PostForm("reason"))
		}
		var ve *vendors.ValidationError
		switch {
		case errors.As(err, &ve):
			s.renderAdminHome(c, http.StatusUnprocessableEntity, formError{ID: id, Field: ve.Fields[0].Field,
				Value: c.PostForm("reason"), Message: ve.Fields[0].Message})
		case errors.Is(err, vendors.ErrNotFound):
			s.adminNotFound(c)
		case err != nil:
			s.fail(c, err)
		case status == vendors.StatusActive:
			seeOther(c, "/admin?done=approve")
		default:
			seeOther(c, "/admin?done=suspend")
		}
	}
}

type adminPayers struct {
	Query  string
	Payers []console.PayerRow
	Found  bool
}

// adminPayersPage answers GET /admin/payers?q=EMAIL_OR_PHONE.
func (s *Server) adminPayersPage(c *gin.Context) {
	q := c.Query("q")
	d := adminPayers{Query: q}
	if q == "" {
		s.renderAdmin(c, http.StatusOK, "payers", adminPage{Title: "Payers", Data: d})
		return
	}
	ps, err := s.console.FindPayers(c.Request.Context(), q)
	if console.IsInvalid(err) {
		var ve *vendors.ValidationError
		errors.As(err, &ve)
		s.renderAdmin(c, http.StatusUnprocessableEntity, "payers", adminPage{Title: "Payers", Error: "Email or phone " + ve.Fields[0].Message + ".", Data: d})
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	d.Payers, d.Found = ps, true
	s.renderAdmin(c, http.StatusOK, "payers", adminPage{Title: "Payers", Data: d})
}

// adminErasePayer answers POST /admin/payers/erase: it erases every payer
// holding the contact.
func (s *Server) adminErasePayer(c *gin.Context) {
	err := checkForm(c)
	var kind, value string
	if err == nil {
		kind, value, err = console.Contact("contact", c.PostForm("contact"))
	}
	if err == nil && c.PostForm("confirm") != "yes" {
		err = vendors.Invalid("confirm", "tick the box to confirm: erasure cannot be undone")
	}
	if err == nil {
		_, err = s.eraser.Erase(c.Request.Context(), kind, value)
	}
	var ve *vendors.ValidationError
	switch {
	case errors.As(err, &ve):
		s.renderAdmin(c, http.StatusUnprocessableEntity, "payers", adminPage{Title: "Payers",
			Error: theFields(ve), Data: adminPayers{Query: c.PostForm("contact")}})
	case errors.Is(err, privacy.ErrNoPayer):
		s.renderAdmin(c, http.StatusNotFound, "payers", adminPage{Title: "Payers",
			Error: "No payer has this address or number (it may be erased already).", Data: adminPayers{Query: c.PostForm("contact")}})
	case err != nil:
		s.fail(c, err)
	default:
		seeOther(c, "/admin/payers?done=erase")
	}
}

type adminSuppressions struct {
	Query        string
	Suppressions []payers.Suppression
	Form         formError
}

// adminSuppressionsPage answers GET /admin/suppressions?q=.
func (s *Server) adminSuppressionsPage(c *gin.Context) {
	s.renderSuppressions(c, http.StatusOK, formError{})
}

func (s *Server) renderSuppressions(c *gin.Context, status int, fe formError) {
	q := c.Query("q")
	list, err := s.payers.Suppressions(c.Request.Context(), q, 200)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderAdmin(c, status, "suppressions", adminPage{Title: "Suppressions",
		Data: adminSuppressions{Query: q, Suppressions: list, Form: fe}})
}

// adminLiftSuppression answers POST /admin/suppressions/:id/lift.
func (s *Server) adminLiftSuppression(c *gin.Context) {
	id, ok := adminIDParam(c)
	if !ok {
		s.adminNotFound(c)
		return
	}
	err := checkForm(c)
	if err == nil {
		err = s.payers.LiftSuppression(c.Request.Context(), id, c.PostForm("reason"))
	}
	var ve *vendors.ValidationError
	switch {
	case errors.As(err, &ve):
		s.renderSuppressions(c, http.StatusUnprocessableEntity, formError{ID: id, Field: ve.Fields[0].Field,
			Value: c.PostForm("reason"), Message: ve.Fields[0].Message})
	case errors.Is(err, vendors.ErrNotFound):
		s.adminNotFound(c)
	case err != nil:
		s.fail(c, err)
	default:
		seeOther(c, "/admin/suppressions?done=lift")
	}
}

type auditData struct {
	Action  string
	Actions []string
	Entries []audit.Entry
	Next    string
}

// adminAuditPage answers GET /admin/audit?action=&before=: every row.
func (s *Server) adminAuditPage(c *gin.Context) {
	before, _ := strconv.ParseInt(c.Query("before"), 10, 64)
	action := c.Query("action")
	es, err := s.audit.All(c.Request.Context(), action, before, audit.PageSize)
	if err != nil {
		s.fail(c, err)
		return
	}
	d := auditData{Action: action, Entries: es, Actions: auditActions}
	if len(es) == audit.PageSize {
		d.Next = "/admin/audit?" + url.Values{"action": {action}, "before": {strconv.FormatInt(es[len(es)-1].ID, 10)}}.Encode()
	}
	s.renderAdmin(c, http.StatusOK, "audit", adminPage{Title: "Audit log", Data: d})
}

var auditActions = []string{audit.AdminSignIn, audit.AdminCreated, audit.KeyCreated, audit.KeyRolled, audit.KeyRevoked,
	audit.MemberInvited, audit.MemberDisabled, audit.VendorSignedUp, audit.VendorApproved, audit.VendorSuspended, audit.SuppressionLifted,
	audit.PayerErased}

func (s *Server) adminNotFound(c *gin.Context) {
	s.renderAdmin(c, http.StatusNotFound, "message", adminPage{Title: "Not found", Data: "There is nothing here: it may no longer exist."})
	c.Abort()
}

// vendorAuditPage answers GET /vendor/audit (admins): the vendor's own
// audit rows, never another vendor's nor the hub's.
func (s *Server) vendorAuditPage(c *gin.Context) {
	before, _ := strconv.ParseInt(c.Query("before"), 10, 64)
	es, err := s.audit.ForVendor(c.Request.Context(), member(c).VendorID, before, audit.PageSize)
	if err != nil {
		s.fail(c, err)
		return
	}
	d := auditData{Entries: es}
	if len(es) == audit.PageSize {
		d.Next = "/vendor/audit?before=" + strconv.FormatInt(es[len(es)-1].ID, 10)
	}
	s.renderVendor(c, http.StatusOK, "audit", vendorPage{Title: "Audit log", Data: d})
}
