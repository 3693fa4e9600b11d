package threads

import (
	"context"
	"fmt"
	"time"
)

// A vendor's answer reaches the payer at once, by email, rather than in the
// next digest; but a vendor replying in a burst must not flood the payer's
// AP inbox, hence at most one notification per thread per window. The
// window is claimed in the database (threads.payer_notified_at) with one
// conditional UPDATE, so concurrent replies, even on several hub
// processes, notify once.

// AnswerNoticeWindow is the least time between two answer notifications of
// one thread.
const AnswerNoticeWindow = 10 * time.Minute

// Why an answer notice is not sent.
const (
	NoticeWithinWindow = "within_window" // the payer was told about this thread less than the window ago
	NoticeUnsubscribed = "unsubscribed"  // the payer turned email off
	NoticeNoRecipient  = "no_recipient"  // no email address left (all suppressed, or none)
)

// AnswerNotice is what the payer is told when the vendor answers or
// resolves a thread.
type AnswerNotice struct {
	ThreadID      int64
	PayerID       int64
	Kind          string // question | dispute
	Resolved      bool
	Outcome       string
	VendorName    string
	InvoiceNumber string // "" for a thread on the vendor account
	InvoiceID     int64  // 0 for a thread on the vendor account
	// Body is the vendor's message or resolution note, "" when none.
	Body        string
	To, CC, BCC []string
	// Skip says why nothing is to be sent; empty when the notice is claimed.
	Skip string
	// ClaimedAt is when the window was claimed.
	ClaimedAt time.Time
	previous  *time.Time
}

// ClaimAnswerNotice prepares the notification of the vendor's latest
// answer (body) on one of its threads and claims the thread's window. When
// Skip is empty the caller must send it, and call ReleaseAnswerNotice if
// sending fails so that the next answer is notified.
func (s *Store) ClaimAnswerNotice(ctx context.Context, vendorID, threadID int64, body string) (AnswerNotice, error) {
	var rows []struct {
		ID              int64
		PayerID         int64
		Kind            string
		State           string
		Outcome         string
		PayerNotifiedAt *time.Time
		VendorName      string
		InvoiceNumber   *string
		InvoiceID       *int64
	}
	err := s.db.WithContext(ctx).Raw(`
SELECT t.id, t.payer_id, t.kind, t.state, t.outcome, t.payer_notified_at, v.name AS vendor_name, i.number AS invoice_number,
       i.id AS invoice_id
FROM threads t
JOIN vendors v ON v.id = t.vendor_id
LEFT JOIN invoices i ON i.id = t.invoice_id AND i.vendor_id = t.vendor_id
WHERE t.id = ? AND t.vendor_id = ?`, threadID, vendorID).Scan(&rows).Error
	if err != nil {
		return AnswerNotice{}, fmt.Errorf("threads: answer notice: %w", err)
	}
	if len(rows) == 0 {
		return AnswerNotice{}, threadNotFound(threadID)
	}
	t := rows[0]
	n := AnswerNotice{ThreadID: t.ID, PayerID: t.PayerID, Kind: t.Kind, Resolved: t.State == ThreadResolved,
		Outcome: t.Outcome, VendorName: t.VendorName, Body: body, previous: t.PayerNotifiedAt}
	if t.InvoiceNumber != nil {
		n.InvoiceNumber, n.InvoiceID = *t.InvoiceNumber, *t.InvoiceID
	}
	p, err := s.payers.Get(ctx, t.PayerID)
	if err != nil {
		return AnswerNotice{}, err
	}
	if !p.EmailEnabled {
		n.Skip = NoticeUnsubscribed
		return n, nil
	}
	rcpt, err := s.payers.Recipients(ctx, t.PayerID)
	if err != nil {
		return AnswerNotice{}, err
	}
	n.To, n.CC, n.BCC = rcpt.To, rcpt.CC, rcpt.BCC
	if len(n.To) == 0 {
		// Approvers alone still hear of it, as the digest does.
		n.To, n.CC = n.CC, nil
	}
	if len(n.To) == 0 {
		n.Skip = NoticeNoRecipient
		return n, nil
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	res := s.db.WithContext(ctx).Exec(`UPDATE threads SET payer_notified_at = ?
WHERE id = ? AND vendor_id = ? AND (payer_notified_at IS NULL OR payer_notified_at <= ?)`,
		now, threadID, vendorID, now.Add(-AnswerNoticeWindow))
	if res.Error != nil {
		return AnswerNotice{}, fmt.Errorf("threads: claim answer notice: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		n.Skip = NoticeWithinWindow
		return n, nil
	}
	n.ClaimedAt = now
	return n, nil
}

// ReleaseAnswerNotice gives back a window claimed for a notice that could
// not be sent, unless another claim took it since.
func (s *Store) ReleaseAnswerNotice(ctx context.Context, n AnswerNotice) error {
	if n.Skip != "" || n.ClaimedAt.IsZero() {
		return nil
	}
	err := s.db.WithContext(ctx).Exec(`UPDATE threads SET payer_notified_at = ? WHERE id = ? AND payer_notified_at = ?`,
		n.previous, n.ThreadID, n.ClaimedAt).Error
	if err != nil {
		return fmt.Errorf("threads: release answer notice: %w", err)
	}
	return nil
}
