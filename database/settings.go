package database

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type setting struct {
	Key   string `gorm:"primaryKey"`
	Value string
}

func (setting) TableName() string { return "settings" }

// Secret returns the hub's signing secret kept in the database, generating and
// storing one the first time. created is true when this call generated it.
// Concurrent first starts agree on one secret.
func (db *DB) Secret(ctx context.Context) (secret string, created bool, err error) {
	var s setting
	err = db.Gorm.WithContext(ctx).Where("key = ?", "secret").Take(&s).Error
	if err == nil {
		return s.Value, false, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return "", false, fmt.Errorf("database: read secret: %w", err)
	}
	buf := make([]byte, 32)
	rand.Read(buf)
	fresh := setting{Key: "secret", Value: base64.RawURLEncoding.EncodeToString(buf)}
	res := db.Gorm.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&fresh)
	if res.Error != nil {
		return "", false, fmt.Errorf("database: store secret: %w", res.Error)
	}
	if err := db.Gorm.WithContext(ctx).Where("key = ?", "secret").Take(&s).Error; err != nil {
		return "", false, fmt.Errorf("database: read secret: %w", err)
	}
	return s.Value, s.Value == fresh.Value, nil
}
