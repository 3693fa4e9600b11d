package threads

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// The vendor's side of threads: every function here takes the vendor ID and
// every query is scoped by it, so that another vendor's thread is
// vendors.ErrNotFound, exactly like one that does not exist.

// Outcomes a vendor may resolve a thread with.
var ThreadOutcomes = []string{"credit_issued", "invoice_corrected", "rejected", "answered"}

// Vendor events of threads.
const (
	EventThreadMessage  = "thread.message"
	EventThreadResolved = "thread.resolved"
)

// VendorThreadFilter narrows a vendor's threads; zero fields do not filter.
type VendorThreadFilter struct {
	Kind              string // question | dispute
	State             string // open | answered | resolved
	InvoiceExternalID string
	// UpdatedAfter keeps only threads whose updated_at (any message, state
	// change or assignment) is strictly later.
	UpdatedAfter time.Time
	AfterID      int64 // only threads with a greater id
	// CustomerID keeps the threads on the customer's invoices and those on
	// the account of the payer the customer reaches (issue 13).
	CustomerID int64
	Limit      int
}

// ThreadInvoice is the invoice a thread is about, as its vendor pushed it.
type ThreadInvoice struct {
	ID              int64
	ExternalID      string
	Number          string
	Currency        string
	Status          string
	AmountDue       int64
	AmountRemaining int64
	DueDate         civil.Date
}

// ThreadCustomer is the vendor's own customer record behind a thread.
type ThreadCustomer struct {
	ID         int64 // the customer page's id (issue 13)
	ExternalID string
	Name       string
	Email      string
}

// VendorThreadView is a thread as its vendor sees it: its own invoice and
// customer record, nothing of the payer's other vendors. Invoice is nil for
// a thread on the vendor account; Customer is nil when the vendor has no
// record of the payer (never the case for a thread on an invoice).
type VendorThreadView struct {
	Thread
	Invoice  *ThreadInvoice
	Customer *ThreadCustomer
}

func threadNotFound(id int64) error {
	return fmt.Errorf("threads: thread %d: %w", id, vendors.ErrNotFound)
}

// VendorThreads returns the vendor's threads matching f, oldest first,
// without their messages.
func (s *Store) VendorThreads(ctx context.Context, vendorID int64, f VendorThreadFilter) ([]VendorThreadView, error) {
	var fe []vendors.FieldError
	if f.Kind != "" && f.Kind != ThreadQuestion && f.Kind != ThreadDispute {
		fe = append(fe, vendors.FieldError{Field: "kind", Message: "must be question or dispute"})
	}
	if f.State != "" && !slices.Contains([]string{ThreadOpen, ThreadAnswered, ThreadResolved}, f.State) {
		fe = append(fe, vendors.FieldError{Field: "state", Message: "must be open, answered or resolved"})
	}
	if len(fe) > 0 {
		return nil, &vendors.ValidationError{Fields: fe}
	}
	q := s.db.WithContext(ctx).Where("vendor_id = ? AND id > ?", vendorID, f.AfterID)
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if f.State != "" {
		q = q.Where("state = ?", f.State)
	}
	if !f.UpdatedAfter.IsZero() {
		q = q.Where("updated_at > ?", f.UpdatedAfter.UTC())
	}
	if f.InvoiceExternalID != "" {
		q = q.Where("invoice_id IN (SELECT id FROM invoices WHERE vendor_id = ? AND external_id = ?)", vendorID, f.InvoiceExternalID)
	}
	if f.CustomerID != 0 {
		q = q.Where(`(invoice_id IN (SELECT id FROM invoices WHERE vendor_id = ? AND customer_id = ?)
 OR (invoice_id IS NULL AND payer_id IN (SELECT payer_id FROM customers WHERE vendor_id = ? AND id = ?)))`,
			vendorID, f.CustomerID, vendorID, f.CustomerID)
	}
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	var threads []Thread
	if err := q.Order("id").Find(&threads).Error; err != nil {
		return nil, fmt.Errorf("threads: vendor threads: %w", err)
	}
	views, err := s.vendorViews(ctx, vendorID, threads)
	if err != nil {
		return nil, fmt.Errorf("threads: vendor threads: %w", err)
	}
	return views, nil
}

// VendorThread returns one of the vendor's threads with its messages,
// oldest first.
func (s *Store) VendorThread(ctx context.Context, vendorID, threadID int64) (VendorThreadView, error) {
	var threads []Thread
	err := s.db.WithContext(ctx).
		Preload("Messages", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Where("id = ? AND vendor_id = ?", threadID, vendorID).Limit(1).Find(&threads).Error
	if err != nil {
		return VendorThreadView{}, fmt.Errorf("threads: vendor thread: %w", err)
	}
	if len(threads) == 0 {
		return VendorThreadView{}, threadNotFound(threadID)
	}
	views, err := s.vendorViews(ctx, vendorID, threads)
	if err != nil {
		return VendorThreadView{}, fmt.Errorf("threads: vendor thread: %w", err)
	}
	return views[0], nil
}

// vendorViews adds to each thread the vendor's invoice and customer record,
// with a fixed number of queries, each scoped by the vendor.
func (s *Store) vendorViews(ctx context.Context, vendorID int64, threads []Thread) ([]VendorThreadView, error) {
	views := make([]VendorThreadView, len(threads))
	var invoiceIDs, payerIDs []int64
	for i, t := range threads {
		views[i].Thread = t
		if t.InvoiceID != nil {
			invoiceIDs = append(invoiceIDs, *t.InvoiceID)
		} else {
			payerIDs = append(payerIDs, t.PayerID)
		}
	}
	type invoiceRow struct {
		ThreadInvoice
		CustomerID         int64
		CustomerExternalID string
		CustomerName       string
		CustomerEmail      string
	}
	byInvoice := map[int64]invoiceRow{}
	if len(invoiceIDs) > 0 {
		var rows []invoiceRow
		err := s.db.WithContext(ctx).Raw(`
SELECT i.id, i.external_id, i.number, i.currency, i.status, i.amount_due, i.amount_remaining, i.due_date,
       c.id AS customer_id, c.external_id AS customer_external_id, c.name AS customer_name, c.email AS customer_email
FROM invoices i JOIN customers c ON c.id = i.customer_id AND c.vendor_id = i.vendor_id
WHERE i.vendor_id = ? AND i.id IN ?`, vendorID, invoiceIDs).Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("invoices: %w", err)
		}
		for _, r := range rows {
			byInvoice[r.ID] = r
		}
	}
	byPayer := map[int64]ThreadCustomer{}
	if len(payerIDs) > 0 {
		var rows []struct {
			PayerID int64
			ThreadCustomer
		}
		err := s.db.WithContext(ctx).Table("customers").Select("payer_id, id, external_id, name, email").
			Where("vendor_id = ? AND payer_id IN ?", vendorID, payerIDs).Order("id").Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("customers: %w", err)
		}
		for _, r := range rows {
			if _, ok := byPayer[r.PayerID]; !ok {
				byPayer[r.PayerID] = r.ThreadCustomer
			}
		}
	}
	for i := range views {
		t := &views[i]
		if t.InvoiceID == nil {
			if c, ok := byPayer[t.PayerID]; ok {
				t.Customer = &c
			}
			continue
		}
		if r, ok := byInvoice[*t.InvoiceID]; ok {
			inv := r.ThreadInvoice
			t.Invoice = &inv
			t.Customer = &ThreadCustomer{ID: r.CustomerID, ExternalID: r.CustomerExternalID, Name: r.CustomerName, Email: r.CustomerEmail}
		}
	}
	return views, nil
}

// threadRef is what a vendor's action on a thread needs to know of it.
type threadRef struct {
	ID                int64
	PayerID           int64
	Kind              string
	State             string
	InvoiceExternalID *string
	InvoiceNumber     *string
}

// loadThreadRef loads one of the vendor's threads inside tx.
func loadThreadRef(tx *gorm.DB, vendorID, threadID int64) (threadRef, error) {
	var rows []threadRef
	err := tx.Raw(`
SELECT t.id, t.payer_id, t.kind, t.state, i.external_id AS invoice_external_id, i.number AS invoice_number
FROM threads t LEFT JOIN invoices i ON i.id = t.invoice_id AND i.vendor_id = t.vendor_id
WHERE t.id = ? AND t.vendor_id = ?`, threadID, vendorID).Scan(&rows).Error
	if err != nil {
		return threadRef{}, fmt.Errorf("load thread: %w", err)
	}
	if len(rows) == 0 {
		return threadRef{}, threadNotFound(threadID)
	}
	return rows[0], nil
}

// payload starts a thread event's payload with what identifies the thread.
func (r threadRef) payload() map[string]any {
	p := map[string]any{"thread_id": r.ID, "kind": r.Kind}
	if r.InvoiceExternalID != nil {
		p["invoice_external_id"], p["invoice_number"] = *r.InvoiceExternalID, *r.InvoiceNumber
	}
	return p
}

// errResolved refuses an action on a thread that is already resolved. It
// names the path parameter: nothing in the body is wrong.
func errResolved(what string) error {
	return vendors.Invalid("id", "the thread is resolved: it takes no more "+what)
}

// checkVendorText validates a vendor's message or note.
func checkVendorText(field, text string, required bool) *vendors.ValidationError {
	switch {
	case required && text == "":
		return vendors.Invalid(field, "is required and must not be blank")
	case utf8.RuneCountInString(text) > MaxMessage:
		return vendors.Invalid(field, fmt.Sprintf("must be at most %d characters", MaxMessage))
	}
	return nil
}

// VendorReply adds the vendor's message to one of its threads: the thread
// becomes answered, its first response time is set on the first reply, and
// a thread.message event is written with it. A resolved thread takes no
// more messages (a *vendors.ValidationError on "id").
func (s *Store) VendorReply(ctx context.Context, vendorID, threadID int64, body string) (VendorThreadView, error) {
	body = strings.TrimSpace(body)
	if ve := checkVendorText("body", body, true); ve != nil {
		return VendorThreadView{}, ve
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ref, err := loadThreadRef(tx, vendorID, threadID)
		if err != nil {
			return err
		}
		if ref.State == ThreadResolved {
			return errResolved("messages")
		}
		res := tx.Exec(`UPDATE threads SET state = ?, updated_at = ?, first_response_at = COALESCE(first_response_at, ?)
WHERE id = ? AND vendor_id = ? AND state <> ?`, ThreadAnswered, now, now, threadID, vendorID, ThreadResolved)
		if res.Error != nil {
			return fmt.Errorf("answer thread: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return errResolved("messages") // resolved meanwhile
		}
		m := ThreadMessage{ThreadID: threadID, Author: "vendor", Body: body, CreatedAt: now}
		if who := payers.ActorOf(ctx); who != 0 {
			m.MemberID = &who
		}
		if err := tx.Create(&m).Error; err != nil {
			return fmt.Errorf("add message: %w", err)
		}
		if err := payers.RecordAction(ctx, tx, vendorID, payers.ActionReply, threadID, 0, now); err != nil {
			return err
		}
		p := ref.payload()
		p["message_id"], p["author"], p["body"], p["state"] = m.ID, m.Author, m.Body, ThreadAnswered
		return vendors.WriteEvent(tx, vendorID, EventThreadMessage, p, now)
	})
	if err != nil {
		return VendorThreadView{}, vendors.WrapAction("threads: vendor reply", err)
	}
	return s.VendorThread(ctx, vendorID, threadID)
}

// ResolveThread closes one of the vendor's threads with an outcome and an
// optional note, stored as the vendor's last message. A dispute's hold is
// released, so the invoice is reminded again if anything remains on it. The
// first response time is set too if the vendor resolves without replying:
// the resolution is its response. A thread.resolved event is written with it.
func (s *Store) ResolveThread(ctx context.Context, vendorID, threadID int64, outcome, note string) (VendorThreadView, error) {
	note = strings.TrimSpace(note)
	var fe []vendors.FieldError
	if !slices.Contains(ThreadOutcomes, outcome) {
		fe = append(fe, vendors.FieldError{Field: "outcome", Message: "must be one of " + strings.Join(ThreadOutcomes, ", ")})
	}
	if ve := checkVendorText("note", note, false); ve != nil {
		fe = append(fe, ve.Fields...)
	}
	if len(fe) > 0 {
		return VendorThreadView{}, &vendors.ValidationError{Fields: fe}
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ref, err := loadThreadRef(tx, vendorID, threadID)
		if err != nil {
			return err
		}
		if ref.State == ThreadResolved {
			return errResolved("resolution")
		}
		res := tx.Exec(`UPDATE threads SET state = ?, outcome = ?, resolved_at = ?, updated_at = ?,
       first_response_at = COALESCE(first_response_at, ?)
WHERE id = ? AND vendor_id = ? AND state <> ?`, ThreadResolved, outcome, now, now, now, threadID, vendorID, ThreadResolved)
		if res.Error != nil {
			return fmt.Errorf("resolve thread: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return errResolved("resolution")
		}
		if note != "" {
			m := ThreadMessage{ThreadID: threadID, Author: "vendor", Body: note, CreatedAt: now}
			if who := payers.ActorOf(ctx); who != 0 {
				m.MemberID = &who
			}
			if err := tx.Create(&m).Error; err != nil {
				return fmt.Errorf("add note: %w", err)
			}
		}
		var released int64
		if ref.Kind == ThreadDispute {
			res := tx.Model(&payers.Hold{}).Where("kind = ? AND ref_id = ? AND vendor_id = ? AND released_at IS NULL",
				payers.HoldDispute, threadID, vendorID).Update("released_at", now)
			if res.Error != nil {
				return fmt.Errorf("release dispute hold: %w", res.Error)
			}
			released = res.RowsAffected
		}
		if err := payers.RecordAction(ctx, tx, vendorID, payers.ActionResolve, threadID, 0, now); err != nil {
			return err
		}
		p := ref.payload()
		p["outcome"], p["note"], p["resolved_at"], p["hold_released"] = outcome, note, now, released > 0
		return vendors.WriteEvent(tx, vendorID, EventThreadResolved, p, now)
	})
	if err != nil {
		return VendorThreadView{}, vendors.WrapAction("threads: vendor resolve", err)
	}
	return s.VendorThread(ctx, vendorID, threadID)
}
