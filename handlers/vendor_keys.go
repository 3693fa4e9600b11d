package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/vendors"
)

// Issue 15: the team's admins manage API keys in the web inbox: create
// (with a label, live or test mode; the key is shown once, on the answer
// to the POST, never stored in plain text), roll with a grace period and
// revoke. Every page is scoped by the member's vendor and its sandbox.

type keyRow struct {
	ID                  int64
	Prefix, Label, Mode string
	Created, LastUsed   string
	State               string
	Live, Rollable      bool
}

type keysData struct {
	Keys []keyRow
	// NewKey is the plain key just created or rolled: shown once.
	NewKey, NewMode string
	Rolled          string // the prefix of the key it replaced
	Label           string
	LabelError      string
	Problem         string
	Graces          []graceOption
}

type graceOption struct {
	Value, Label string
}

var graces = []graceOption{{"0", "none: stop it now"}, {"1h", "1 hour"}, {"24h", "24 hours"}, {"72h", "3 days"}, {"168h", "7 days"}}

func stampOr(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func init() {
	vendorFlash["revoke"] = "The key is revoked: requests with it are refused from now on."
	vendorFlash["mapping"] = "Your column mapping is saved. Upload the file again and import it."
	vendorFlash["signup"] = "Welcome to duehub. Create an API key, or import invoices from a spreadsheet."
}

// keysPage answers GET /vendor/keys (admins only).
func (s *Server) keysPage(c *gin.Context) {
	s.renderKeys(c, http.StatusOK, keysData{})
}

func (s *Server) renderKeys(c *gin.Context, status int, d keysData) {
	keys, err := s.vendors.VendorKeys(c.Request.Context(), member(c).VendorID)
	if err != nil {
		s.fail(c, err)
		return
	}
	now := s.now()
	for _, k := range keys {
		row := keyRow{ID: k.ID, Prefix: k.Prefix, Label: k.Label, Mode: vendors.KeyMode(k.Prefix),
			Created: stampOr(&k.CreatedAt, ""), LastUsed: stampOr(k.LastUsedAt, "never"), Live: k.Live(now)}
		switch {
		case k.RevokedAt != nil:
			row.State = "Revoked " + stampOr(k.RevokedAt, "")
		case k.ExpiresAt != nil && !row.Live:
			row.State = "Expired " + stampOr(k.ExpiresAt, "")
		case k.ExpiresAt != nil:
			row.State = "Rolled: works until " + stampOr(k.ExpiresAt, "")
		default:
			row.State, row.Rollable = "Active", true
		}
		d.Keys = append(d.Keys, row)
	}
	d.Graces = graces
	s.renderVendor(c, status, "keys", vendorPage{Title: "API keys", Error: d.Problem, Data: d})
}

// createKey answers POST /vendor/keys (admins only).
func (s *Server) createKey(c *gin.Context) {
	ctx, m := c.Request.Context(), member(c)
	err := checkForm(c)
	var plain string
	var k vendors.APIKey
	if err == nil {
		plain, k, err = s.vendors.CreateKeyWith(ctx, m.VendorID, vendors.KeyOptions{Label: c.PostForm("label"), Test: c.PostForm("mode") == "test"})
	}
	var ve *vendors.ValidationError
	if errors.As(err, &ve) {
		s.renderKeys(c, http.StatusUnprocessableEntity, keysData{Label: c.PostForm("label"), LabelError: ve.Fields[0].Message})
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.logSecurity(c, "api_key.created", m.VendorID, m.ID, k.Prefix)
	s.renderKeys(c, http.StatusCreated, keysData{NewKey: plain, NewMode: vendors.KeyMode(k.Prefix)})
}

func keyIDParam(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	return id, err == nil && id > 0
}

// rollKey answers POST /vendor/keys/:id/roll (admins only).
func (s *Server) rollKey(c *gin.Context) {
	ctx, m := c.Request.Context(), member(c)
	id, ok := keyIDParam(c)
	if !ok {
		s.vendorNotFound(c)
		return
	}
	grace, err := time.ParseDuration(c.DefaultPostForm("grace", "0s"))
	if c.PostForm("grace") == "0" {
		grace, err = 0, nil
	}
	if err != nil {
		grace = -1 // refused as out of range below
	}
	plain, fresh, old, err := s.vendors.RollVendorKey(ctx, m.VendorID, id, grace)
	var ve *vendors.ValidationError
	if errors.As(err, &ve) {
		s.renderKeys(c, http.StatusUnprocessableEntity, keysData{Problem: theFields(ve)})
		return
	}
	if err != nil {
		s.vendorFailed(c, err)
		return
	}
	s.logSecurity(c, "api_key.rolled", m.VendorID, m.ID, old.Prefix+" -> "+fresh.Prefix)
	s.renderKeys(c, http.StatusCreated, keysData{NewKey: plain, NewMode: vendors.KeyMode(fresh.Prefix), Rolled: old.Prefix})
}

// revokeKey answers POST /vendor/keys/:id/revoke (admins only).
func (s *Server) revokeKey(c *gin.Context) {
	ctx, m := c.Request.Context(), member(c)
	id, ok := keyIDParam(c)
	if !ok {
		s.vendorNotFound(c)
		return
	}
	k, err := s.vendors.RevokeVendorKey(ctx, m.VendorID, id)
	if err != nil {
		s.vendorFailed(c, err)
		return
	}
	s.logSecurity(c, "api_key.revoked", m.VendorID, m.ID, k.Prefix)
	seeOther(c, "/vendor/keys?done=revoke")
}
