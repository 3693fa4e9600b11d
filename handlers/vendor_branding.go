package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/branding"
)

// Issue 15: a vendor's admins set its logo and accent colour at
// /vendor/branding. The logo upload, like the CSV import, is multipart with
// its CSRF token as the body's first field (postedCSRF); the file is read whole, since it
// is at most branding.MaxLogoBytes, and checked by its content. Every
// change is to the signed-in member's own vendor: no route names a vendor.

type brandingData struct {
	Brand      branding.Brand
	Accent     string // the field's value: the stored one, or what was posted
	LogoError  string
	AccentErr  string
	MinRatio   float64
	MaxKB      int
	MaxPixels  int
	Background string
}

func (s *Server) renderBranding(c *gin.Context, status int, d brandingData, problem string) {
	b, err := s.branding.Get(c.Request.Context(), member(c).VendorID)
	if err != nil {
		s.fail(c, err)
		return
	}
	d.Brand = b
	if d.AccentErr == "" {
		d.Accent = b.Accent
	}
	d.MinRatio, d.MaxKB, d.MaxPixels = branding.MinContrast, branding.MaxLogoBytes>>10, branding.MaxLogoPixels
	s.renderVendor(c, status, "branding", vendorPage{Title: "Branding", Error: problem, Data: d})
}

// brandingPage answers GET /vendor/branding.
func (s *Server) brandingPage(c *gin.Context) {
	s.renderBranding(c, http.StatusOK, brandingData{}, "")
}

// uploadBrandLogo answers POST /vendor/branding/logo.
func (s *Server) uploadBrandLogo(c *gin.Context) {
	data, err := uploadedLogo(c)
	var logo branding.Logo
	if err == nil {
		logo, err = branding.CleanLogo(data)
	}
	if err != nil {
		msg := "The logo " + strings.TrimPrefix(err.Error(), branding.ErrLogo.Error()+": ") + "."
		s.renderBranding(c, http.StatusUnprocessableEntity, brandingData{LogoError: msg}, "Your logo was not saved.")
		return
	}
	if err := s.branding.SetLogo(c.Request.Context(), member(c).VendorID, logo); err != nil {
		s.fail(c, err)
		return
	}
	seeOther(c, "/vendor/branding?done=logo")
}

// uploadedLogo reads the "logo" file of the multipart upload whose CSRF
// token postedCSRF took, refusing one over branding.MaxLogoBytes without
// reading further.
func uploadedLogo(c *gin.Context) ([]byte, error) {
	p, _, err := multipartUpload(c, "logo")
	if err != nil {
		return nil, fmt.Errorf("%w: was not received: choose a PNG or SVG file", branding.ErrLogo)
	}
	b, err := io.ReadAll(io.LimitReader(p, branding.MaxLogoBytes+1))
	if len(b) > branding.MaxLogoBytes {
		return nil, fmt.Errorf("%w: is larger than %d KB", branding.ErrLogo, branding.MaxLogoBytes>>10)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: was not received completely", branding.ErrLogo)
	}
	return b, nil
}

// removeBrandLogo answers POST /vendor/branding/logo/remove.
func (s *Server) removeBrandLogo(c *gin.Context) {
	if err := s.branding.RemoveLogo(c.Request.Context(), member(c).VendorID); err != nil {
		s.fail(c, err)
		return
	}
	seeOther(c, "/vendor/branding?done=logo_removed")
}

// setBrandAccent answers POST /vendor/branding/accent; an empty colour
// removes the accent.
func (s *Server) setBrandAccent(c *gin.Context) {
	if err := checkForm(c); err != nil {
		s.renderBranding(c, http.StatusUnprocessableEntity, brandingData{}, err.Error())
		return
	}
	accent := c.PostForm("accent")
	err := s.branding.SetAccent(c.Request.Context(), member(c).VendorID, accent)
	if errors.Is(err, branding.ErrAccent) {
		msg := "The accent colour " + strings.TrimPrefix(err.Error(), branding.ErrAccent.Error()+": ") + "."
		s.renderBranding(c, http.StatusUnprocessableEntity, brandingData{Accent: accent, AccentErr: msg}, "Your accent colour was not saved.")
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	seeOther(c, "/vendor/branding?done=accent")
}

// brandsOf returns the brandings of the given vendors for the portal (nil
// without a branding store). A logo is decoration: failing to read it is
// logged and the page shown unbranded, never refused.
func (s *Server) brandsOf(ctx context.Context, vendorIDs []int64) map[int64]branding.Brand {
	if s.branding == nil || len(vendorIDs) == 0 {
		return nil
	}
	m, err := s.branding.ForVendors(ctx, vendorIDs)
	if err != nil {
		s.log.Error("portal: read brandings", "err", err)
		return nil
	}
	return m
}

func vendorIDsOf(vs []inboxVendor) []int64 {
	ids := make([]int64, len(vs))
	for i, v := range vs {
		ids[i] = v.ID
	}
	return ids
}
