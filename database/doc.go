// Package database opens duehub's store — PostgreSQL in production, an
// embedded pure-Go SQLite file by default — through gorm, chosen by the URL,
// and keeps the few hub-wide settings (such as the generated secret).
package database
