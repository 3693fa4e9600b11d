package vendors

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

const (
	// IdempotencyTTL is how long a key and its response are kept.
	IdempotencyTTL = 24 * time.Hour
	// abandonedAfter is when an unfinished request (its process died) stops blocking its key.
	abandonedAfter = 5 * time.Minute
)

type idempotencyKey struct {
	VendorID    int64  `gorm:"primaryKey;autoIncrement:false"`
	Key         string `gorm:"primaryKey"`
	RequestHash string
	StatusCode  int
	Response    []byte
	CreatedAt   time.Time
}

func (idempotencyKey) TableName() string { return "idempotency_keys" }

// StoredResponse is a response kept for replay under an Idempotency-Key.
type StoredResponse struct {
	Status int
	Body   []byte
}

// BeginIdempotent claims key for a request whose method, path and body hash
// to requestHash. It returns a stored response to replay, or nil when the
// caller should run the request and then call FinishIdempotent (or
// AbortIdempotent). Reusing a key with another request is
// ErrIdempotencyMismatch; a key whose first request is still running is
// ErrIdempotencyInFlight.
func (s *Store) BeginIdempotent(ctx context.Context, vendorID int64, key, requestHash string) (*StoredResponse, error) {
	now := s.clock()
	for attempt := 0; attempt < 2; attempt++ {
		row := idempotencyKey{VendorID: vendorID, Key: key, RequestHash: requestHash, CreatedAt: now}
		res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return nil, fmt.Errorf("vendors: claim idempotency key: %w", res.Error)
		}
		if res.RowsAffected == 1 {
			return nil, nil
		}
		var old idempotencyKey
		err := s.db.WithContext(ctx).Where("vendor_id = ? AND key = ?", vendorID, key).Take(&old).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			continue // finished and expired between the two statements
		}
		if err != nil {
			return nil, fmt.Errorf("vendors: read idempotency key: %w", err)
		}
		expired := now.Sub(old.CreatedAt) >= IdempotencyTTL
		abandoned := old.StatusCode == 0 && now.Sub(old.CreatedAt) >= abandonedAfter
		if expired || abandoned {
			err := s.db.WithContext(ctx).Where("vendor_id = ? AND key = ? AND created_at = ?", vendorID, key, old.CreatedAt).
				Delete(&idempotencyKey{}).Error
			if err != nil {
				return nil, fmt.Errorf("vendors: expire idempotency key: %w", err)
			}
			continue
		}
		switch {
		case old.StatusCode == 0:
			return nil, ErrIdempotencyInFlight
		case old.RequestHash != requestHash:
			return nil, ErrIdempotencyMismatch
		}
		return &StoredResponse{Status: old.StatusCode, Body: old.Response}, nil
	}
	return nil, ErrIdempotencyInFlight
}

// FinishIdempotent stores the response of a request begun with BeginIdempotent.
func (s *Store) FinishIdempotent(ctx context.Context, vendorID int64, key string, resp StoredResponse) error {
	err := s.db.WithContext(ctx).Model(&idempotencyKey{}).Where("vendor_id = ? AND key = ?", vendorID, key).
		Updates(map[string]any{"status_code": resp.Status, "response": resp.Body}).Error
	if err != nil {
		return fmt.Errorf("vendors: store idempotent response: %w", err)
	}
	return nil
}

// AbortIdempotent releases a key whose request failed on the server side, so
// that a retry with the same key runs again.
func (s *Store) AbortIdempotent(ctx context.Context, vendorID int64, key string) error {
	err := s.db.WithContext(ctx).Where("vendor_id = ? AND key = ? AND status_code = 0", vendorID, key).
		Delete(&idempotencyKey{}).Error
	if err != nil {
		return fmt.Errorf("vendors: release idempotency key: %w", err)
	}
	return nil
}

// PurgeIdempotency deletes keys older than IdempotencyTTL.
func (s *Store) PurgeIdempotency(ctx context.Context) (int64, error) {
	res := s.db.WithContext(ctx).Where("created_at < ?", s.clock().Add(-IdempotencyTTL)).Delete(&idempotencyKey{})
	if res.Error != nil {
		return 0, fmt.Errorf("vendors: purge idempotency keys: %w", res.Error)
	}
	return res.RowsAffected, nil
}
