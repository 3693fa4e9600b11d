package payers

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"
)

// The payer's data out, across vendors: every invoice it owes or recently
// paid, for its AP system, and its due dates and promises as a calendar.

// ExportInvoices returns the payer's open invoices and those paid since
// paidSince, from every vendor, by vendor then due date.
func (s *Store) ExportInvoices(ctx context.Context, payerID int64, paidSince time.Time) ([]InvoiceDetail, error) {
	now := s.now().UTC()
	var rows []InvoiceDetail
	err := s.db.WithContext(ctx).Raw(payerInvoicesSQL+`
WHERE c.payer_id = ? AND ((i.status = 'open' AND i.amount_remaining > 0) OR (i.status = 'paid' AND i.updated_at >= ?))
ORDER BY v.name, i.vendor_id, i.due_date, i.id`, now, now, payerID, paidSince.UTC()).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("payers: export: %w", err)
	}
	open := make([]OpenInvoice, len(rows))
	for i := range rows {
		open[i] = rows[i].OpenInvoice
	}
	if err := s.datePromises(ctx, payerID, open); err != nil {
		return nil, err
	}
	for i := range rows {
		rows[i].OpenInvoice = open[i]
	}
	return rows, nil
}

// CalendarToken makes a new secret for the payer's calendar feed and
// returns it; any earlier one stops working. Only its hash is stored.
func (s *Store) CalendarToken(ctx context.Context, payerID int64) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("payers: calendar token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	err := s.db.WithContext(ctx).Exec(`UPDATE payers SET calendar_token_hash = ?, calendar_created_at = ? WHERE id = ?`,
		calendarHash(token), s.now().UTC(), payerID).Error
	if err != nil {
		return "", fmt.Errorf("payers: calendar token: %w", err)
	}
	return token, nil
}

// RevokeCalendar turns the payer's calendar feed off.
func (s *Store) RevokeCalendar(ctx context.Context, payerID int64) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE payers SET calendar_token_hash = '', calendar_created_at = NULL WHERE id = ?`, payerID).Error
	if err != nil {
		return fmt.Errorf("payers: revoke calendar: %w", err)
	}
	return nil
}

// CalendarSince tells when the payer's calendar feed was made (nil: none).
func (s *Store) CalendarSince(ctx context.Context, payerID int64) (*time.Time, error) {
	var at []*time.Time
	err := s.db.WithContext(ctx).Raw(`SELECT calendar_created_at FROM payers WHERE id = ? AND calendar_token_hash <> ''`, payerID).Scan(&at).Error
	if err != nil {
		return nil, fmt.Errorf("payers: calendar: %w", err)
	}
	if len(at) == 0 {
		return nil, nil
	}
	return at[0], nil
}

// CalendarPayer finds the payer whose feed token this is: ErrNotFound for a
// revoked or unknown one.
func (s *Store) CalendarPayer(ctx context.Context, token string) (Payer, error) {
	if len(token) != 43 {
		return Payer{}, ErrNotFound
	}
	var ids []int64
	err := s.db.WithContext(ctx).Raw(`SELECT id FROM payers WHERE calendar_token_hash = ?`, calendarHash(token)).Scan(&ids).Error
	if err != nil {
		return Payer{}, fmt.Errorf("payers: calendar payer: %w", err)
	}
	if len(ids) != 1 {
		return Payer{}, ErrNotFound
	}
	return s.Get(ctx, ids[0])
}

func calendarHash(token string) string {
	sum := sha256.Sum256([]byte("duehub calendar\x00" + token))
	return hex.EncodeToString(sum[:])
}
