package audit

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Actions recorded. The set grows with the hub; readers must not assume it
// is closed.
const (
	KeyCreated        = "key.created"
	VendorSignedUp    = "vendor.signed_up"
	KeyRolled         = "key.rolled"
	KeyRevoked        = "key.revoked"
	MemberInvited     = "member.invited"
	MemberDisabled    = "member.disabled"
	VendorApproved    = "vendor.approved"
	VendorSuspended   = "vendor.suspended"
	SuppressionLifted = "suppression.lifted"
	PayerErased       = "payer.erased"
	AdminCreated      = "admin.created"
	AdminSignIn       = "admin.signin"
	// What payers see of a vendor, and where their payments go.
	BrandLogoSet         = "branding.logo_set"
	BrandLogoRemoved     = "branding.logo_removed"
	BrandAccentSet       = "branding.accent_set"
	StripeAccountCreated = "stripe.account_created"
)

// Actor kinds.
const (
	ByOperator = "operator"
	ByMember   = "member"
	ByAPIKey   = "api_key"
	ByCLI      = "cli"
	BySystem   = "system"
)

// Actor is who acts: an operator account, a vendor member or an API key (ID
// is its row), the CLI, or the hub itself. Label names them as they were
// then (an email, a key prefix).
type Actor struct {
	Kind  string
	ID    int64
	Label string
	IP    string
}

type actorKey struct{}

// WithActor says who acts for the rest of ctx.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorOf is the actor ctx carries; the hub itself when none.
func ActorOf(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok && a.Kind != "" {
		return a
	}
	return Actor{Kind: BySystem}
}

// Entry is one row of the audit log.
type Entry struct {
	ID         int64
	CreatedAt  time.Time
	ActorKind  string
	ActorID    *int64
	Actor      string
	IP         string
	Action     string
	TargetType string
	TargetID   string
	Target     string
	VendorID   *int64
	Detail     string
}

func (Entry) TableName() string { return "audit_log" }

// Vendor is a helper for Entry.VendorID.
func Vendor(id int64) *int64 { return &id }

// Record appends e to the log through tx (the action's own transaction,
// when it has one), with the actor of ctx unless e names one, and now
// unless e is dated. It never updates a row: the table refuses updates and
// deletes.
func Record(ctx context.Context, tx *gorm.DB, e Entry) error {
	if e.Action == "" {
		return fmt.Errorf("audit: record: no action")
	}
	if e.ActorKind == "" {
		a := ActorOf(ctx)
		e.ActorKind, e.Actor, e.IP = a.Kind, a.Label, a.IP
		if a.ID != 0 {
			id := a.ID
			e.ActorID = &id
		}
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = time.Now()
	}
	e.CreatedAt = e.CreatedAt.UTC()
	e.ID = 0
	if err := tx.WithContext(ctx).Create(&e).Error; err != nil {
		return fmt.Errorf("audit: record %s: %w", e.Action, err)
	}
	return nil
}

// Mask hides most of an address so that a row can name it without holding
// it: "ap@acme.example" becomes "a…@acme.example", "+15551230000" becomes
// "+1…00". The payer's full address never enters the log.
func Mask(address string) string {
	if local, domain, ok := strings.Cut(address, "@"); ok {
		if local == "" {
			return "…@" + domain
		}
		r := []rune(local)
		return string(r[:1]) + "…@" + domain
	}
	r := []rune(address)
	if len(r) <= 4 {
		return "…"
	}
	return string(r[:2]) + "…" + string(r[len(r)-2:])
}
