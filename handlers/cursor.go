package handlers

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/vendors"
)

const (
	defaultLimit = 100
	maxLimit     = 500
)

// errBadCursor is a cursor that this list, with these filters, did not hand
// out to this vendor. It says no more than that, whatever the reason.
var errBadCursor = errors.New("cursor is not a next_cursor of this list with these filters")

type page struct {
	after   int64
	limit   int
	scope   string
	cursors cursorSealer
}

// readPage reads limit and the cursor of a list request. The cursor is bound
// to the vendor, the list (the request path) and the values of the filters
// named: a cursor used anywhere else is errBadCursor.
func (s *Server) readPage(c *gin.Context, filters ...string) (page, error) {
	// A filter is compared with stored text: refuse what cannot be stored
	// (limit and cursor have parsers of their own).
	if err := checkQuery(c, filters...); err != nil {
		return page{}, err
	}
	bound := url.Values{}
	for _, name := range filters {
		bound.Set(name, c.Query(name))
	}
	p := page{limit: defaultLimit, cursors: s.cursors,
		scope: strconv.FormatInt(vendorID(c), 10) + " " + c.Request.URL.EscapedPath() + "?" + bound.Encode()}
	if raw := c.Query("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxLimit {
			return p, vendors.Invalid("limit", "must be an integer from 1 to 500")
		}
		p.limit = n
	}
	if raw := c.Query("cursor"); raw != "" {
		id, ok := p.cursors.open(p.scope, raw)
		if !ok {
			return p, errBadCursor
		}
		p.after = id
	}
	return p, nil
}

// next is the cursor of the page after the row id, for the same list and filters.
func (p page) next(id int64) *string {
	s := p.cursors.seal(p.scope, id)
	return &s
}

// cursorSealer makes cursors opaque and bound to where they were issued: the
// row id is encrypted (AES-GCM) with the scope as associated data, so a
// cursor reveals no id (nothing of other vendors' volumes) and opens only in
// its own scope. The nonce is derived from the scope and the id (SIV-like),
// so the same page always gets the same cursor and nothing but that equality
// is revealed. Other feeds can adopt it with a scope of their own.
type cursorSealer struct {
	aead     cipher.AEAD
	nonceKey []byte
}

func newCursorSealer(secret []byte) cursorSealer {
	derive := func(label string) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(label))
		return m.Sum(nil)
	}
	block, err := aes.NewCipher(derive("duehub cursor key v2"))
	if err != nil {
		panic(err) // a 32-byte key is always valid
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return cursorSealer{aead: aead, nonceKey: derive("duehub cursor nonce v2")}
}

func (cs cursorSealer) seal(scope string, id int64) string {
	plain := binary.BigEndian.AppendUint64(nil, uint64(id))
	m := hmac.New(sha256.New, cs.nonceKey)
	m.Write(plain)
	m.Write([]byte(scope))
	nonce := m.Sum(nil)[:cs.aead.NonceSize()]
	return base64.RawURLEncoding.EncodeToString(cs.aead.Seal(nonce, nonce, plain, []byte(scope)))
}

func (cs cursorSealer) open(scope, cursor string) (int64, bool) {
	ns := cs.aead.NonceSize()
	if len(cursor) != base64.RawURLEncoding.EncodedLen(ns+8+cs.aead.Overhead()) {
		return 0, false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(cursor)
	if err != nil {
		return 0, false
	}
	plain, err := cs.aead.Open(nil, b[:ns], b[ns:], []byte(scope))
	if err != nil {
		return 0, false
	}
	id := int64(binary.BigEndian.Uint64(plain))
	return id, id > 0
}
