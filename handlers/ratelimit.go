package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/ratelimit"
	"github.com/duehub/duehub/vendors"
)

// Limits are the rate limits the hub enforces; a zero rule is off.
type Limits struct {
	// API limits the requests of each API key on /v1.
	API ratelimit.Rule
	// AuthFailures limits, per client IP, failed authentications: bad or
	// missing API keys, and expired or unknown sign-in, portal and SMS links.
	// Past it, the IP is refused before its credentials are even looked at.
	AuthFailures ratelimit.Rule
	// FormIP and FormTarget limit the public forms that send a message
	// (portal fresh link, vendor sign-in link, one-time codes), per client
	// IP and per address or payer they mail.
	FormIP, FormTarget ratelimit.Rule
}

// rateLimited is a request over a limit.
type rateLimited struct{ d ratelimit.Decision }

func (e *rateLimited) Error() string {
	return fmt.Sprintf("rate limit %s exceeded: retry after %d s", e.d.Rule, ceilSeconds(e.d.RetryAfter, 1))
}

// ceilSeconds rounds d up to whole seconds, at least min.
func ceilSeconds(d time.Duration, min int) int {
	return max(min, int(math.Ceil(d.Seconds())))
}

// rateHeaders writes the headers of draft-ietf-httpapi-ratelimit-headers-06
// (RateLimit-Limit, -Remaining, -Reset in seconds, -Policy "LIMIT;w=SECONDS"),
// and Retry-After when refused.
func rateHeaders(c *gin.Context, d ratelimit.Decision) {
	if d.Rule.Off() {
		return
	}
	c.Header("RateLimit-Limit", strconv.Itoa(d.Rule.Limit))
	c.Header("RateLimit-Remaining", strconv.Itoa(d.Remaining))
	c.Header("RateLimit-Reset", strconv.Itoa(ceilSeconds(d.Reset, 0)))
	c.Header("RateLimit-Policy", fmt.Sprintf("%d;w=%d", d.Rule.Limit, ceilSeconds(d.Rule.Window, 1)))
	if !d.Allowed {
		c.Header("Retry-After", strconv.Itoa(ceilSeconds(d.RetryAfter, 1)))
	}
}

// limitAPIKey counts each request of the authenticated API key.
func (s *Server) limitAPIKey(c *gin.Context) {
	if s.limiter == nil {
		c.Next()
		return
	}
	d, err := s.limiter.Allow(c.Request.Context(), "api:key:"+strconv.FormatInt(c.GetInt64(ctxAPIKeyID), 10), s.limits.API)
	if err != nil {
		s.fail(c, err)
		return
	}
	rateHeaders(c, d)
	if !d.Allowed {
		s.fail(c, &rateLimited{d})
		return
	}
	c.Next()
}

// refusal answers a request over a limit: a problem for the API, a page for
// the web forms.
type refusal func(c *gin.Context, d ratelimit.Decision)

func (s *Server) refuseAPI(c *gin.Context, d ratelimit.Decision) {
	rateHeaders(c, d)
	s.fail(c, &rateLimited{d})
}

func (s *Server) refusePortal(c *gin.Context, d ratelimit.Decision) {
	rateHeaders(c, d)
	s.renderPortal(c, http.StatusTooManyRequests, "message", portalPage{Title: "Too many requests", Data: waitText(d)})
	c.Abort()
}

func (s *Server) refuseVendor(c *gin.Context, d ratelimit.Decision) {
	rateHeaders(c, d)
	s.renderVendor(c, http.StatusTooManyRequests, "message", vendorPage{Title: "Too many requests", Data: waitText(d)})
	c.Abort()
}

func waitText(d ratelimit.Decision) string {
	wait := "a minute"
	if m := ceilSeconds(d.RetryAfter, 1); m > 60 {
		wait = fmt.Sprintf("%d minutes", (m+59)/60)
	}
	return "This was asked for several times in a short while. To keep inboxes free of floods, please try again in " +
		wait + "."
}

// limitAuthFailures refuses a client IP that failed authentication too
// often, before the credentials it sends are looked at, and counts the
// requests the route answers with failStatus (its "not authenticated").
func (s *Server) limitAuthFailures(failStatus int, refuse refusal) gin.HandlerFunc {
	return func(c *gin.Context) {
		if s.limiter == nil || s.limits.AuthFailures.Off() {
			c.Next()
			return
		}
		ctx, key := c.Request.Context(), "auth:ip:"+clientKey(c.ClientIP())
		d, err := s.limiter.Peek(ctx, key, s.limits.AuthFailures)
		if err != nil {
			s.fail(c, err)
			return
		}
		if !d.Allowed {
			refuse(c, d)
			return
		}
		c.Next()
		if c.Writer.Status() == failStatus {
			if _, err := s.limiter.Allow(ctx, key, s.limits.AuthFailures); err != nil {
				s.log.ErrorContext(ctx, "count authentication failure", "request_id", requestIDOf(c), "err", err)
			}
		}
	}
}

// limitForm counts a form that sends a message, per client IP and per
// target (the address or payer it mails; "" when there is none), and
// refuses it past either limit. A target is counted whether or not it
// exists, so a refusal reveals nothing about who is on the network.
func (s *Server) limitForm(name string, target func(*gin.Context) string, refuse refusal) gin.HandlerFunc {
	return func(c *gin.Context) {
		if s.limiter == nil {
			c.Next()
			return
		}
		ctx := c.Request.Context()
		d, err := s.limiter.Allow(ctx, "form:ip:"+clientKey(c.ClientIP()), s.limits.FormIP)
		if err == nil && d.Allowed {
			if t := target(c); t != "" {
				d, err = s.limiter.Allow(ctx, name+":"+t, s.limits.FormTarget)
			}
		}
		if err != nil {
			s.fail(c, err)
			return
		}
		if !d.Allowed {
			refuse(c, d)
			return
		}
		c.Next()
	}
}

// emailTarget is the form's email address, keyed by an HMAC so that the
// counters hold no address.
func (s *Server) emailTarget(c *gin.Context) string {
	email, err := vendors.NormalizeEmail(c.PostForm("email"))
	if err != nil {
		return ""
	}
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("ratelimit-email\x00" + email))
	return "email:" + hex.EncodeToString(m.Sum(nil)[:16])
}

// payerTarget is the signed-in payer, whose AP inbox the codes go to.
func payerTarget(c *gin.Context) string {
	return "payer:" + strconv.FormatInt(payerID(c), 10)
}
