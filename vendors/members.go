package vendors

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/duehub/duehub/audit"
)

// Member roles: an admin also invites and disables members.
const (
	RoleAdmin = "admin"
	RoleAgent = "agent"
)

// ErrSignInUsed means a sign-in link was used before.
var ErrSignInUsed = errors.New("sign-in link already used")

// Member is one person of a vendor's AR team who uses the web inbox.
type Member struct {
	ID         int64
	VendorID   int64
	Email      string
	Name       string
	Role       string
	CreatedAt  time.Time
	DisabledAt *time.Time
	// SessionGeneration is carried by the member's sessions; signing out
	// bumps it, which ends every session of the member, copies included.
	SessionGeneration int64
}

func (Member) TableName() string { return "vendor_members" }

// Active is whether the member may sign in.
func (m Member) Active() bool { return m.DisabledAt == nil }

// Label is how the member is named on pages and in emails.
func (m Member) Label() string {
	if m.Name != "" {
		return m.Name
	}
	return m.Email
}

// NewMember is an invitation.
type NewMember struct {
	Email string
	Name  string
	Role  string
}

func (in NewMember) validate() (Member, error) {
	var fe fieldErrors
	m := Member{Name: strings.TrimSpace(in.Name), Role: in.Role}
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		fe.add("email", err.Error())
	}
	m.Email = email
	if utf8.RuneCountInString(m.Name) > 200 {
		fe.add("name", "must be at most 200 characters")
	}
	if m.Role != RoleAdmin && m.Role != RoleAgent {
		fe.add("role", "must be admin or agent")
	}
	if len(fe) > 0 {
		return m, &ValidationError{Fields: fe}
	}
	return m, nil
}

// InviteMember adds a member to the vendor's team. Inviting a disabled
// member again enables them with the new name and role; inviting an active
// one is a validation error on email.
func (s *Store) InviteMember(ctx context.Context, vendorID int64, in NewMember) (Member, error) {
	m, err := in.validate()
	if err != nil {
		return Member{}, err
	}
	now := s.clock()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var existing []Member
		if err := tx.Where("vendor_id = ? AND email = ?", vendorID, m.Email).Find(&existing).Error; err != nil {
			return err
		}
		if len(existing) == 0 {
			m.VendorID, m.CreatedAt = vendorID, now
			if err := tx.Create(&m).Error; err != nil {
				return err
			}
			return recordMember(ctx, tx, audit.MemberInvited, m, now)
		}
		if existing[0].Active() {
			return Invalid("email", "is already a member of this team")
		}
		m.ID, m.VendorID, m.CreatedAt = existing[0].ID, vendorID, existing[0].CreatedAt
		err := tx.Model(&Member{}).Where("id = ? AND vendor_id = ?", m.ID, vendorID).
			Updates(map[string]any{"name": m.Name, "role": m.Role, "disabled_at": nil}).Error
		if err != nil {
			return err
		}
		return recordMember(ctx, tx, audit.MemberInvited, m, now)
	})
	var ve *ValidationError
	if errors.As(err, &ve) {
		return Member{}, err
	}
	if err != nil {
		return Member{}, fmt.Errorf("vendors: invite member: %w", err)
	}
	return m, nil
}

// Members returns the vendor's team, active members first, by name.
func (s *Store) Members(ctx context.Context, vendorID int64) ([]Member, error) {
	var ms []Member
	err := s.db.WithContext(ctx).Where("vendor_id = ?", vendorID).
		Order("CASE WHEN disabled_at IS NULL THEN 0 ELSE 1 END, lower(name), email").Find(&ms).Error
	if err != nil {
		return nil, fmt.Errorf("vendors: members: %w", err)
	}
	return ms, nil
}

// Member returns one member of the vendor; another vendor's is ErrNotFound.
func (s *Store) Member(ctx context.Context, vendorID, memberID int64) (Member, error) {
	var m Member
	err := s.db.WithContext(ctx).Where("id = ? AND vendor_id = ?", memberID, vendorID).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Member{}, ErrNotFound
	}
	if err != nil {
		return Member{}, fmt.Errorf("vendors: member: %w", err)
	}
	return m, nil
}

// SessionMember returns the member a signed session or sign-in link names,
// whatever its vendor: the session is the authority, and every later query
// is scoped by the member's VendorID.
func (s *Store) SessionMember(ctx context.Context, memberID int64) (Member, error) {
	var m Member
	err := s.db.WithContext(ctx).Where("id = ?", memberID).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Member{}, ErrNotFound
	}
	if err != nil {
		return Member{}, fmt.Errorf("vendors: session member: %w", err)
	}
	return m, nil
}

// ActiveMembersByEmail returns every active membership of an address, one
// per vendor whose team it belongs to.
func (s *Store) ActiveMembersByEmail(ctx context.Context, email string) ([]Member, error) {
	var ms []Member
	err := s.db.WithContext(ctx).Where("email = ? AND disabled_at IS NULL", email).Order("id").Find(&ms).Error
	if err != nil {
		return nil, fmt.Errorf("vendors: members by email: %w", err)
	}
	return ms, nil
}

// DisableMember stops a member of the vendor from signing in; their open
// sessions end at their next request. Another vendor's member is
// ErrNotFound. Disabling twice keeps the first time.
func (s *Store) DisableMember(ctx context.Context, vendorID, memberID int64) error {
	m, err := s.Member(ctx, vendorID, memberID)
	if err != nil {
		return err
	}
	now := s.clock()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Member{}).Where("id = ? AND vendor_id = ? AND disabled_at IS NULL", memberID, vendorID).
			Update("disabled_at", now)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return recordMember(ctx, tx, audit.MemberDisabled, m, now)
	})
	if err != nil {
		return fmt.Errorf("vendors: disable member: %w", err)
	}
	return nil
}

// EndSessions ends every session of the member: a session cookie issued
// before, in this browser or copied elsewhere, opens nothing any more.
func (s *Store) EndSessions(ctx context.Context, memberID int64) error {
	err := s.db.WithContext(ctx).Model(&Member{}).Where("id = ?", memberID).
		Update("session_generation", gorm.Expr("session_generation + 1")).Error
	if err != nil {
		return fmt.Errorf("vendors: end sessions: %w", err)
	}
	return nil
}

// TeamEmails are where the vendor's team is emailed: its active members,
// else the vendor's support address. Empty when it has neither.
func (s *Store) TeamEmails(ctx context.Context, vendorID int64) ([]string, error) {
	var emails []string
	err := s.db.WithContext(ctx).Model(&Member{}).Where("vendor_id = ? AND disabled_at IS NULL", vendorID).
		Order("id").Pluck("email", &emails).Error
	if err != nil {
		return nil, fmt.Errorf("vendors: team emails: %w", err)
	}
	if len(emails) > 0 {
		return emails, nil
	}
	v, err := s.GetVendor(ctx, vendorID)
	if err != nil {
		return nil, err
	}
	if v.SupportEmail != "" {
		return []string{v.SupportEmail}, nil
	}
	return nil, nil
}

// UseSignIn records that the sign-in link jti of the member was used; a
// second use is ErrSignInUsed. Rows of links long expired are dropped on the
// way, so the table stays small.
func (s *Store) UseSignIn(ctx context.Context, memberID int64, jti string, expiresAt time.Time) error {
	now := s.clock()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("DELETE FROM vendor_signins WHERE expires_at < ?", now.Add(-24*time.Hour)).Error; err != nil {
			return err
		}
		row := map[string]any{"jti": jti, "member_id": memberID, "expires_at": expiresAt.UTC(), "used_at": now}
		res := tx.Table("vendor_signins").Clauses(clause.OnConflict{DoNothing: true}).Create(row)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrSignInUsed
		}
		return nil
	})
	if errors.Is(err, ErrSignInUsed) {
		return err
	}
	if err != nil {
		return fmt.Errorf("vendors: use sign-in: %w", err)
	}
	return nil
}

// SignInUsed reports whether the sign-in link jti was used already.
func (s *Store) SignInUsed(ctx context.Context, jti string) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Table("vendor_signins").Where("jti = ?", jti).Count(&n).Error; err != nil {
		return false, fmt.Errorf("vendors: sign-in used: %w", err)
	}
	return n > 0, nil
}

// recordMember writes the audit row of an invitation or a disabling (issue 15).
func recordMember(ctx context.Context, tx *gorm.DB, action string, m Member, now time.Time) error {
	return audit.Record(ctx, tx, audit.Entry{CreatedAt: now, Action: action, TargetType: "member",
		TargetID: strconv.FormatInt(m.ID, 10), Target: m.Email, VendorID: audit.Vendor(m.VendorID), Detail: m.Role})
}
