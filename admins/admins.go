package admins

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/duehub/duehub/audit"
	"github.com/duehub/duehub/vendors"
)

var (
	// ErrNotFound means no such (active) operator account.
	ErrNotFound = errors.New("admins: not found")
	// ErrSignInUsed means a sign-in link was used before.
	ErrSignInUsed = errors.New("admins: sign-in link already used")
)

// Admin is an operator account.
type Admin struct {
	ID                int64
	Email             string
	CreatedAt         time.Time
	DisabledAt        *time.Time
	SessionGeneration int64
}

func (Admin) TableName() string { return "operator_admins" }

// Active is whether the admin may sign in.
func (a Admin) Active() bool { return a.DisabledAt == nil }

// Store keeps operator accounts.
type Store struct {
	db  *gorm.DB
	now func() time.Time
}

// NewStore returns a store on db; now is the clock.
func NewStore(db *gorm.DB, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, now: func() time.Time { return now().UTC() }}
}

// Create adds an operator account, or enables a disabled one again. An
// address that is already an active admin is a validation error on email.
func (s *Store) Create(ctx context.Context, email string) (Admin, error) {
	email, err := vendors.NormalizeEmail(email)
	if err != nil {
		return Admin{}, vendors.Invalid("email", err.Error())
	}
	now := s.now()
	var a Admin
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Where("email = ?", email).Take(&a).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			a = Admin{Email: email, CreatedAt: now}
			if err := tx.Create(&a).Error; err != nil {
				return err
			}
		case err != nil:
			return err
		case a.Active():
			return vendors.Invalid("email", "is already an operator")
		default:
			a.DisabledAt = nil
			if err := tx.Model(&Admin{}).Where("id = ?", a.ID).Update("disabled_at", nil).Error; err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{CreatedAt: now, Action: audit.AdminCreated, TargetType: "admin",
			TargetID: strconv.FormatInt(a.ID, 10), Target: a.Email})
	})
	var ve *vendors.ValidationError
	if errors.As(err, &ve) {
		return Admin{}, err
	}
	if err != nil {
		return Admin{}, fmt.Errorf("admins: create: %w", err)
	}
	return a, nil
}

// ByEmail returns the active admin with this address.
func (s *Store) ByEmail(ctx context.Context, email string) (Admin, error) {
	var a Admin
	err := s.db.WithContext(ctx).Where("email = ? AND disabled_at IS NULL", email).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Admin{}, ErrNotFound
	}
	if err != nil {
		return Admin{}, fmt.Errorf("admins: by email: %w", err)
	}
	return a, nil
}

// Get returns the admin a session or link names, active or not.
func (s *Store) Get(ctx context.Context, id int64) (Admin, error) {
	var a Admin
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Admin{}, ErrNotFound
	}
	if err != nil {
		return Admin{}, fmt.Errorf("admins: get: %w", err)
	}
	return a, nil
}

// SignIn spends the sign-in link jti of the admin and records the sign-in
// in the audit log (actor from ctx: the admin and their address), in one
// transaction. A second use is ErrSignInUsed.
func (s *Store) SignIn(ctx context.Context, adminID int64, jti string, expiresAt time.Time) error {
	now := s.now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("DELETE FROM operator_signins WHERE expires_at < ?", now.Add(-24*time.Hour)).Error; err != nil {
			return err
		}
		row := map[string]any{"jti": jti, "admin_id": adminID, "expires_at": expiresAt.UTC(), "used_at": now}
		res := tx.Table("operator_signins").Clauses(clause.OnConflict{DoNothing: true}).Create(row)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrSignInUsed
		}
		return audit.Record(ctx, tx, audit.Entry{CreatedAt: now, Action: audit.AdminSignIn, TargetType: "admin",
			TargetID: strconv.FormatInt(adminID, 10)})
	})
	if errors.Is(err, ErrSignInUsed) {
		return err
	}
	if err != nil {
		return fmt.Errorf("admins: sign in: %w", err)
	}
	return nil
}

// SignInUsed reports whether the link jti was used already.
func (s *Store) SignInUsed(ctx context.Context, jti string) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Table("operator_signins").Where("jti = ?", jti).Count(&n).Error; err != nil {
		return false, fmt.Errorf("admins: sign-in used: %w", err)
	}
	return n > 0, nil
}

// EndSessions ends every session of the admin.
func (s *Store) EndSessions(ctx context.Context, id int64) error {
	err := s.db.WithContext(ctx).Model(&Admin{}).Where("id = ?", id).
		Update("session_generation", gorm.Expr("session_generation + 1")).Error
	if err != nil {
		return fmt.Errorf("admins: end sessions: %w", err)
	}
	return nil
}
