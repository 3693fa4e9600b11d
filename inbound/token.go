package inbound

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm/clause"
)

// What a reply address answers.
const (
	KindDigest = "digest" // a digest: the payer, many vendors
	KindThread = "thread" // an answer notification: the payer, one thread
	KindTeam   = "team"   // a team notification: a vendor's agents, one thread
)

// TokenTTL is how long a reply address routes replies.
const TokenTTL = 60 * 24 * time.Hour

// ErrUnknownToken means the address names no live token.
var ErrUnknownToken = errors.New("inbound: unknown or expired reply token")

// Token is what a reply address stands for. It holds ids only: the address
// itself is opaque and carries no personal data.
type Token struct {
	Token     string `gorm:"primaryKey"`
	Kind      string
	PayerID   int64
	DigestID  *int64
	ThreadID  *int64
	VendorID  *int64
	ExpiresAt time.Time
	CreatedAt time.Time
}

func (Token) TableName() string { return "reply_tokens" }

// tokenEncoding is lower-case base32 without padding: safe in a local part
// and unchanged by mail systems that fold case.
var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// tokenFor derives the token of what a reply answers. It is stable, so that
// a retried send and a later notification of the same thread reuse one
// row; keyed by the hub's secret, so that nobody can derive another
// thread's address.
func (s *Store) tokenFor(kind string, ref int64) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("duehub reply token\x00" + kind + "\x00" + strconv.FormatInt(ref, 10)))
	return tokenEncoding.EncodeToString(m.Sum(nil)[:15])
}

// Enabled reports whether replies are received (an inbound domain is set).
func (s *Store) Enabled() bool { return s != nil && s.domain != "" }

// DigestAddress returns the Reply-To of a digest ("" with no inbound domain).
func (s *Store) DigestAddress(ctx context.Context, payerID, digestID int64) (string, error) {
	return s.address(ctx, Token{Kind: KindDigest, PayerID: payerID, DigestID: &digestID}, digestID)
}

// ThreadAddress returns the Reply-To of an answer notification to the payer.
func (s *Store) ThreadAddress(ctx context.Context, payerID, threadID int64) (string, error) {
	return s.address(ctx, Token{Kind: KindThread, PayerID: payerID, ThreadID: &threadID}, threadID)
}

// TeamAddress returns the Reply-To of a team notification about a thread.
func (s *Store) TeamAddress(ctx context.Context, vendorID, payerID, threadID int64) (string, error) {
	return s.address(ctx, Token{Kind: KindTeam, PayerID: payerID, ThreadID: &threadID, VendorID: &vendorID}, threadID)
}

// address stores t (or extends the expiry of the same token) and returns
// reply+<token>@<domain>.
func (s *Store) address(ctx context.Context, t Token, ref int64) (string, error) {
	if !s.Enabled() {
		return "", nil
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	t.Token, t.CreatedAt, t.ExpiresAt = s.tokenFor(t.Kind, ref), now, now.Add(TokenTTL)
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "token"}},
		DoUpdates: clause.AssignmentColumns([]string{"expires_at"}),
	}).Create(&t).Error
	if err != nil {
		return "", fmt.Errorf("inbound: store reply token: %w", err)
	}
	return "reply+" + t.Token + "@" + s.domain, nil
}

// lookupToken returns the live token of a reply address.
func (s *Store) lookupToken(ctx context.Context, token string) (Token, error) {
	var rows []Token
	err := s.db.WithContext(ctx).Where("token = ? AND expires_at > ?", token, s.now().UTC()).Limit(1).Find(&rows).Error
	if err != nil {
		return Token{}, fmt.Errorf("inbound: reply token: %w", err)
	}
	if len(rows) == 0 {
		return Token{}, ErrUnknownToken
	}
	return rows[0], nil
}

// TokenOf returns the token of the first recipient that is a reply address
// of domain, "" when none is.
func TokenOf(domain string, rcpts []string) string {
	for _, r := range rcpts {
		local, dom, ok := strings.Cut(strings.ToLower(strings.TrimSpace(r)), "@")
		if !ok || dom != strings.ToLower(domain) {
			continue
		}
		if tok, ok := strings.CutPrefix(local, "reply+"); ok && tok != "" {
			return tok
		}
	}
	return ""
}
