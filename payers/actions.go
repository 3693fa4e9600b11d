package payers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/vendors"
)

// PromiseDays is how far ahead a payer may promise to pay; PauseDays how
// far ahead it may pause every reminder.
const (
	PromiseDays = 60
	PauseDays   = 90
)

// ErrNoPayURL means the vendor takes no online payment for the invoice.
var ErrNoPayURL = errors.New("invoice has no pay url")

// TimezoneName is the IANA name of the payer's timezone: the one it chose,
// else the one its phone number implies (DefaultTimezone), else UTC. The
// digest, the portal and every date shown for the payer use this one zone.
func (p Payer) TimezoneName() string {
	if p.Timezone != "" {
		return p.Timezone
	}
	if phone, ok := strings.CutPrefix(p.Key, "phone:"); ok {
		return DefaultTimezone(phone)
	}
	return "UTC"
}

// Location is the payer's timezone (TimezoneName); UTC for an unknown one.
func (p Payer) Location() *time.Location {
	if loc, err := time.LoadLocation(p.TimezoneName()); err == nil {
		return loc
	}
	return time.UTC
}

// PromisedDate is the payer-local day a promise's hold ends with: the
// date the payer chose. A hold's until is the instant that day ends
// (EndOfDay), which already belongs to the next day.
func PromisedDate(until time.Time, loc *time.Location) civil.Date {
	return civil.Of(until.In(loc).Add(-time.Nanosecond))
}

// Promise records that the payer will pay the invoice by date (amount 0
// means the whole remaining amount): its reminders pause until that day
// ends in the payer's timezone. A new promise replaces an earlier one.
func (s *Store) Promise(ctx context.Context, payerID, invoiceID int64, date civil.Date, amount int64) (Hold, error) {
	p, err := s.Get(ctx, payerID)
	if err != nil {
		return Hold{}, err
	}
	loc := p.Location()
	now := s.now().UTC().Truncate(time.Microsecond)
	today := civil.Of(now.In(loc))
	switch {
	case date.IsZero():
		return Hold{}, vendors.Invalid("date", "Choose the date you will pay by.")
	case !date.After(today):
		return Hold{}, vendors.Invalid("date", "The date must be after today.")
	case date.After(today.AddDays(PromiseDays)):
		return Hold{}, vendors.Invalid("date", fmt.Sprintf("The date must be within %d days.", PromiseDays))
	case amount < 0:
		return Hold{}, vendors.Invalid("amount", "The amount must be more than zero.")
	}
	h := Hold{PayerID: payerID, Kind: HoldPromise, Amount: amount, CreatedAt: now}
	until := p.EndOfDay(date)
	h.Until = &until
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		inv, err := LoadActingInvoice(tx, payerID, invoiceID)
		if err != nil {
			return err
		}
		if amount > inv.AmountRemaining {
			return vendors.Invalid("amount", "The amount is more than the invoice's remaining amount.")
		}
		h.VendorID, h.InvoiceID = inv.VendorID, inv.ID
		if err := tx.Create(&h).Error; err != nil {
			return fmt.Errorf("hold: %w", err)
		}
		// An earlier promise is superseded, not broken: the vendor sees
		// which promise replaced it.
		replaced, err := supersedePromises(tx, payerID, inv.ID, h.ID, p.Location(), now)
		if err != nil {
			return err
		}
		promised := amount
		if promised == 0 {
			promised = inv.AmountRemaining
		}
		payload := map[string]any{
			"invoice_external_id": inv.ExternalID, "invoice_number": inv.Number, "promised_date": date.String(),
			"amount": promised, "currency": inv.Currency,
		}
		if !replaced.IsZero() {
			payload["replaces_promised_date"] = replaced.String()
		}
		return vendors.WriteEvent(tx, inv.VendorID, "promise.created", payload, now)
	})
	if err != nil {
		return Hold{}, vendors.WrapAction("payers: promise", err)
	}
	return h, s.Touch(ctx, payerID)
}

// lapsedPromise is a promise whose day has passed, with what its event needs.
type lapsedPromise struct {
	HoldID          int64
	VendorID        int64
	Until           time.Time
	Amount          int64
	Timezone        string
	PayerKey        string
	ExternalID      string
	Number          string
	Currency        string
	AmountRemaining int64
}

// BreakPromises marks every promise whose day has passed with its invoice
// still open and unpaid as broken, and tells each vendor once. Reminders
// resume by themselves: the hold's until has passed. Safe to run again and
// from several processes: a promise is broken at most once.
func (s *Store) BreakPromises(ctx context.Context, now time.Time) (int, error) {
	now = now.UTC().Truncate(time.Microsecond)
	var lapsed []lapsedPromise
	err := s.db.WithContext(ctx).Raw(`
SELECT h.id AS hold_id, h.vendor_id, h.until, h.amount, p.timezone, p.key AS payer_key,
       i.external_id, i.number, i.currency, i.amount_remaining
FROM holds h
JOIN invoices i ON i.id = h.invoice_id
JOIN payers p ON p.id = h.payer_id
WHERE h.kind = ? AND h.released_at IS NULL AND h.broken_at IS NULL AND h.until IS NOT NULL AND h.until <= ?
  AND i.status = 'open' AND i.amount_remaining > 0
ORDER BY h.id`, HoldPromise, now).Scan(&lapsed).Error
	if err != nil {
		return 0, fmt.Errorf("payers: lapsed promises: %w", err)
	}
	broken := 0
	for _, l := range lapsed {
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			res := tx.Model(&Hold{}).Where("id = ? AND broken_at IS NULL AND released_at IS NULL", l.HoldID).Update("broken_at", now)
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error
			}
			broken++
			loc := Payer{Timezone: l.Timezone, Key: l.PayerKey}.Location()
			promised := l.Amount
			if promised == 0 {
				promised = l.AmountRemaining
			}
			return vendors.WriteEvent(tx, l.VendorID, "promise.broken", map[string]any{
				"invoice_external_id": l.ExternalID, "invoice_number": l.Number,
				"promised_date": PromisedDate(l.Until, loc).String(),
				"amount":        promised, "amount_remaining": l.AmountRemaining, "currency": l.Currency,
			}, now)
		})
		if err != nil {
			return broken, fmt.Errorf("payers: break promise %d: %w", l.HoldID, err)
		}
	}
	return broken, nil
}

// PayClicked records that the payer went to pay one of its open invoices
// and returns where to: the vendor's own payment page. ErrNoPayURL when the
// vendor has none; then nothing is recorded.
func (s *Store) PayClicked(ctx context.Context, payerID, invoiceID int64) (string, error) {
	now := s.now().UTC().Truncate(time.Microsecond)
	var payURL string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		inv, err := LoadActingInvoice(tx, payerID, invoiceID)
		if err != nil {
			return err
		}
		if inv.PayURL == "" {
			return ErrNoPayURL
		}
		payURL = inv.PayURL
		if err := tx.Exec(`INSERT INTO pay_clicks (payer_id, invoice_id, created_at) VALUES (?, ?, ?)`, payerID, inv.ID, now).Error; err != nil {
			return fmt.Errorf("record pay click: %w", err)
		}
		return vendors.WriteEvent(tx, inv.VendorID, "pay.clicked", map[string]any{
			"invoice_external_id": inv.ExternalID, "invoice_number": inv.Number,
			"amount_remaining": inv.AmountRemaining, "currency": inv.Currency,
		}, now)
	})
	if err != nil {
		return "", vendors.WrapAction("payers: pay", err)
	}
	return payURL, s.Touch(ctx, payerID)
}

// MuteVendor stops reminders from a vendor that bills the payer; any other
// vendor is ErrNotFound, so that the answer reveals nothing about it.
func (s *Store) MuteVendor(ctx context.Context, payerID, vendorID int64) error {
	var n int64
	err := s.db.WithContext(ctx).Table("customers").Where("payer_id = ? AND vendor_id = ?", payerID, vendorID).Count(&n).Error
	if err != nil {
		return fmt.Errorf("payers: mute: %w", err)
	}
	if n == 0 {
		return ErrNotFound
	}
	// The vendor hears of it (payer.muted) once, not at every repeat.
	now := s.now().UTC().Truncate(time.Microsecond)
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`INSERT INTO payer_mutes (payer_id, vendor_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, payerID, vendorID, now)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return tellVendorsOfReminders(tx, payerID, vendorID, ActivityMuted, "", nil, now)
	})
	if err != nil {
		return fmt.Errorf("payers: mute: %w", err)
	}
	return s.Touch(ctx, payerID)
}

// PauseUntil pauses every reminder of the payer until the instant until,
// which must be in the future and at most PauseDays ahead (by the payer's
// calendar).
func (s *Store) PauseUntil(ctx context.Context, payerID int64, until time.Time) error {
	p, err := s.Get(ctx, payerID)
	if err != nil {
		return err
	}
	loc := p.Location()
	now := s.now().UTC()
	switch {
	case !until.After(now):
		return vendors.Invalid("until", "The date must be in the future.")
	case civil.Of(until.In(loc).Add(-time.Nanosecond)).After(civil.Of(now.In(loc)).AddDays(PauseDays)):
		return vendors.Invalid("until", fmt.Sprintf("You can pause reminders for %d days at most.", PauseDays))
	}
	u := until.UTC().Truncate(time.Microsecond)
	last := civil.Of(u.In(loc).Add(-time.Nanosecond)) // the last paused day, as the payer reads it
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Model(&Payer{}).Where("id = ?", payerID).
			Updates(map[string]any{"paused_until": u, "last_action_at": now, "updated_at": now}).Error
		if err != nil {
			return err
		}
		return tellVendorsOfReminders(tx, payerID, 0, ActivityPaused, last.String(),
			map[string]any{"paused_until": u.Format(time.RFC3339), "last_paused_day": last.String()}, now)
	})
	if err != nil {
		return fmt.Errorf("payers: pause: %w", err)
	}
	return nil
}

// EndOfDay is the instant the payer's calendar day d ends: what "until
// 2026-12-01" means to this payer.
func (p Payer) EndOfDay(d civil.Date) time.Time {
	return d.AddDays(1).In(p.Location()).UTC()
}

// supersedePromises releases the payer's earlier live promises on an invoice
// inside tx, each marked as replaced by hold newID, and returns the date the
// latest of them had promised (zero when there was none).
func supersedePromises(tx *gorm.DB, payerID, invoiceID, newID int64, loc *time.Location, now time.Time) (civil.Date, error) {
	var earlier []Hold
	err := tx.Where("invoice_id = ? AND payer_id = ? AND kind = ? AND released_at IS NULL AND broken_at IS NULL AND id <> ?",
		invoiceID, payerID, HoldPromise, newID).Order("id").Find(&earlier).Error
	if err != nil {
		return civil.Date{}, fmt.Errorf("earlier promises: %w", err)
	}
	var replaced civil.Date
	for _, e := range earlier {
		if err := tx.Model(&Hold{}).Where("id = ?", e.ID).
			Updates(map[string]any{"released_at": now, "superseded_by": newID}).Error; err != nil {
			return civil.Date{}, fmt.Errorf("supersede promise: %w", err)
		}
		if e.Until != nil {
			replaced = PromisedDate(*e.Until, loc)
		}
	}
	return replaced, nil
}
