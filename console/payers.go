package console

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/duehub/duehub/vendors"
)

// Contact names an email address or phone number, normalised: what payer
// lookup and erasure take. It returns the kind ("email" or "phone") and the
// value as stored, or a validation error on field.
func Contact(field, raw string) (kind, value string, err error) {
	raw = strings.TrimSpace(raw)
	if strings.HasPrefix(raw, "+") {
		v, perr := vendors.NormalizePhone(raw)
		if perr != nil {
			return "", "", vendors.Invalid(field, perr.Error())
		}
		return "phone", v, nil
	}
	v, eerr := vendors.NormalizeEmail(raw)
	if eerr != nil {
		return "", "", vendors.Invalid(field, "must be an email address like ap@example.com or a phone number like +15551230000")
	}
	return "email", v, nil
}

// PayerCustomer is one vendor's record of a payer.
type PayerCustomer struct {
	VendorID     int64
	VendorName   string
	ExternalID   string
	Name         string
	OpenInvoices int64
}

// PayerRow is a payer as the operator finds it.
type PayerRow struct {
	ID        int64
	Contacts  []string
	Customers []PayerCustomer
	Digests   []DigestRow
}

// PayerIDs returns the payers that hold this contact, as a payer contact or
// on a vendor's customer record.
func (s *Store) PayerIDs(ctx context.Context, kind, value string) ([]int64, error) {
	col := "email"
	if kind == "phone" {
		col = "phone"
	}
	var ids []int64
	err := s.db.WithContext(ctx).Raw(`SELECT payer_id FROM payer_contacts WHERE kind = ? AND value = ?
UNION SELECT payer_id FROM customers WHERE `+col+` = ? ORDER BY 1`, kind, value, value).Scan(&ids).Error
	if err != nil {
		return nil, fmt.Errorf("console: payer ids: %w", err)
	}
	return ids, nil
}

// FindPayers looks payers up by email or phone (q), across all vendors.
func (s *Store) FindPayers(ctx context.Context, q string) ([]PayerRow, error) {
	kind, value, err := Contact("q", q)
	if err != nil {
		return nil, err
	}
	ids, err := s.PayerIDs(ctx, kind, value)
	if err != nil {
		return nil, err
	}
	out := make([]PayerRow, 0, len(ids))
	for _, id := range ids {
		p := PayerRow{ID: id}
		db := s.db.WithContext(ctx)
		if err := db.Table("payer_contacts").Where("payer_id = ?", id).Order("id").Pluck("value", &p.Contacts).Error; err != nil {
			return nil, fmt.Errorf("console: payer contacts: %w", err)
		}
		err := db.Raw(`SELECT c.vendor_id, v.name AS vendor_name, c.external_id, c.name,
       (SELECT COUNT(*) FROM invoices i WHERE i.customer_id = c.id AND i.status = 'open' AND i.amount_remaining > 0) AS open_invoices
FROM customers c JOIN vendors v ON v.id = c.vendor_id WHERE c.payer_id = ? ORDER BY v.name, c.id`, id).Scan(&p.Customers).Error
		if err != nil {
			return nil, fmt.Errorf("console: payer customers: %w", err)
		}
		if p.Digests, err = s.RecentDigests(ctx, id, 10); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// IsInvalid reports whether err is a validation error (for the page).
func IsInvalid(err error) bool {
	var ve *vendors.ValidationError
	return errors.As(err, &ve)
}
