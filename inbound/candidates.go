package inbound

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// candidate is an invoice a digest reply may be about.
type candidate struct {
	InvoiceID  int64
	VendorID   int64
	Number     string
	ExternalID string
	VendorName string
}

// VendorChoice is a vendor a held reply may be sent to.
type VendorChoice struct {
	ID   int64
	Name string
}

// candidates returns the open invoices of the payer that a reply may name:
// those the digest carried when it is known, else every open one. Scoped by
// the payer: another payer's invoice is never a candidate.
func (s *Store) candidates(ctx context.Context, payerID int64, digestID *int64) ([]candidate, error) {
	var ids []int64
	if digestID != nil {
		var rows []struct{ InvoiceIDs string }
		if err := s.db.WithContext(ctx).Raw(`SELECT invoice_ids FROM digests WHERE id = ? AND payer_id = ?`, *digestID, payerID).Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("inbound: digest invoices: %w", err)
		}
		if len(rows) > 0 {
			for _, f := range strings.Split(rows[0].InvoiceIDs, ",") {
				if id, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64); err == nil {
					ids = append(ids, id)
				}
			}
		}
	}
	q := `SELECT i.id AS invoice_id, i.vendor_id, i.number, i.external_id, v.name AS vendor_name
FROM invoices i JOIN customers c ON c.id = i.customer_id JOIN vendors v ON v.id = i.vendor_id
WHERE c.payer_id = ? AND i.status = 'open' AND i.amount_remaining > 0`
	args := []any{payerID}
	if len(ids) > 0 {
		q += ` AND i.id IN ?`
		args = append(args, ids)
	}
	var out []candidate
	if err := s.db.WithContext(ctx).Raw(q+` ORDER BY i.vendor_id, i.id`, args...).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("inbound: candidates: %w", err)
	}
	return out, nil
}

// named returns the invoices text names by number or external id, and
// the vendors it names by name. A short number (under 3 characters) counts
// only after "#" or "invoice", since "7" is more often a count of days.
func named(text string, cands []candidate) (invoices []candidate, vendorIDs []int64) {
	lower := strings.ToLower(text)
	seenVendor := map[int64]bool{}
	for _, c := range cands {
		for _, n := range []string{c.Number, c.ExternalID} {
			if n == "" || !mentions(lower, strings.ToLower(n), len([]rune(n)) < 3) {
				continue
			}
			invoices = append(invoices, c)
			break
		}
		if !seenVendor[c.VendorID] && c.VendorName != "" && mentions(lower, strings.ToLower(c.VendorName), false) {
			seenVendor[c.VendorID] = true
			vendorIDs = append(vendorIDs, c.VendorID)
		}
	}
	sort.Slice(vendorIDs, func(i, j int) bool { return vendorIDs[i] < vendorIDs[j] })
	return invoices, vendorIDs
}

// mentions reports whether word appears in text on word boundaries
// (letters and digits around it end the match).
func mentions(text, word string, strict bool) bool {
	prefix := `(^|[^\p{L}\p{N}])`
	if strict {
		prefix = `(#|invoice\s*#?\s*|no\.?\s*)`
	}
	re, err := regexp.Compile(prefix + regexp.QuoteMeta(word) + `($|[^\p{L}\p{N}])`)
	return err == nil && re.MatchString(text)
}

// vendorsOf lists the vendors of cands once each, in order.
func vendorsOf(cands []candidate) []VendorChoice {
	var out []VendorChoice
	seen := map[int64]bool{}
	for _, c := range cands {
		if !seen[c.VendorID] {
			seen[c.VendorID] = true
			out = append(out, VendorChoice{ID: c.VendorID, Name: c.VendorName})
		}
	}
	return out
}

// isPayerContact reports whether addr is one of the payer's email contacts.
func (s *Store) isPayerContact(ctx context.Context, payerID int64, addr string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Raw(`SELECT COUNT(*) FROM payer_contacts WHERE payer_id = ? AND kind = 'email' AND value = ?`,
		payerID, strings.ToLower(addr)).Scan(&n).Error
	if err != nil {
		return false, fmt.Errorf("inbound: payer contact: %w", err)
	}
	return n > 0, nil
}

// recentFrom counts the replies from addr since t, for the rate limit.
func (s *Store) recentFrom(ctx context.Context, addr string, since any) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Raw(`SELECT COUNT(*) FROM inbound_replies WHERE from_addr = ? AND created_at > ?`, addr, since).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("inbound: rate: %w", err)
	}
	return n, nil
}
