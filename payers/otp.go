package payers

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"time"

	"gorm.io/gorm"
)

// One-time codes guard actions that move money or change where reminders
// go: a 6-digit code sent to the payer's AP inbox, valid 10 minutes,
// single use, 5 tries.
const (
	OTPTTL      = 10 * time.Minute
	OTPAttempts = 5
)

// ErrCodeInvalid is a wrong, expired, used or exhausted code. The payer is
// not told which.
var ErrCodeInvalid = errors.New("the code is wrong or has expired")

type otpCode struct {
	ID        int64
	PayerID   int64
	Purpose   string
	CodeHash  string
	Attempts  int
	ExpiresAt time.Time
	UsedAt    *time.Time
	CreatedAt time.Time
}

func (otpCode) TableName() string { return "otp_codes" }

func hashCode(payerID int64, purpose, code string) string {
	m := hmac.New(sha256.New, []byte(fmt.Sprintf("%d/%s", payerID, purpose)))
	m.Write([]byte(code))
	return hex.EncodeToString(m.Sum(nil))
}

// IssueCode makes a new code for purpose, replacing any earlier one, and
// returns it for sending. Only its hash is stored.
func (s *Store) IssueCode(ctx context.Context, payerID int64, purpose string) (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	code := fmt.Sprintf("%06d", n.Int64())
	now := s.now().UTC()
	row := otpCode{PayerID: payerID, Purpose: purpose, CodeHash: hashCode(payerID, purpose, code),
		ExpiresAt: now.Add(OTPTTL), CreatedAt: now}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&otpCode{}).Where("payer_id = ? AND purpose = ? AND used_at IS NULL", payerID, purpose).
			Update("used_at", now).Error; err != nil {
			return err
		}
		return tx.Create(&row).Error
	})
	if err != nil {
		return "", fmt.Errorf("payers: issue code: %w", err)
	}
	return code, nil
}

// UseCode checks a code and spends it. Every try counts, the right one
// too, and is counted before the code is compared: one conditional UPDATE
// claims a try only while fewer than OTPAttempts were made, so concurrent
// guesses cannot get more tries between them. After OTPAttempts the code
// is dead; spending it is atomic too, so it works once.
func (s *Store) UseCode(ctx context.Context, payerID int64, purpose, code string) error {
	now := s.now().UTC()
	var rows []otpCode
	err := s.db.WithContext(ctx).Raw(`UPDATE otp_codes SET attempts = attempts + 1
WHERE id = (SELECT id FROM otp_codes WHERE payer_id = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?
            ORDER BY id DESC LIMIT 1)
  AND used_at IS NULL AND attempts < ?
RETURNING id, code_hash, attempts`, payerID, purpose, now, OTPAttempts).Scan(&rows).Error
	if err != nil {
		return fmt.Errorf("payers: count code try: %w", err)
	}
	if len(rows) != 1 {
		return ErrCodeInvalid // none, expired, used or out of tries
	}
	row := rows[0]
	if !hmac.Equal([]byte(row.CodeHash), []byte(hashCode(payerID, purpose, code))) {
		return ErrCodeInvalid
	}
	// Of two concurrent right tries only one finds it unused.
	res := s.db.WithContext(ctx).Model(&otpCode{}).Where("id = ? AND used_at IS NULL", row.ID).Update("used_at", now)
	if res.Error != nil {
		return fmt.Errorf("payers: spend code: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrCodeInvalid
	}
	return nil
}
