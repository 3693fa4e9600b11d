package checkout

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v82"
	"gorm.io/gorm"

	"github.com/duehub/duehub/vendors"
)

// Vendor event types of issue 17.
const (
	EventPaymentReceived = "payment.received"
	EventPaymentRefunded = "payment.refunded"
)

// Line states.
const (
	LinePending  = "pending"
	LineApplied  = "applied"
	LineExcess   = "excess"
	LineReversed = "reversed"
)

// Transfer is one vendor's share of a paid checkout.
type Transfer struct {
	ID         int64
	CheckoutID int64
	VendorID   int64
	AccountID  string
	Amount     int64
	Status     string // pending | created | reversing | reversed
	TransferID string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// TableName names the table.
func (Transfer) TableName() string { return "checkout_transfers" }

// Process applies one stored Stripe event exactly once: the event row is
// marked processed in the transaction that applies it, so a second run (a
// replay, a retried job, another process) applies nothing. Then it makes
// the Stripe calls the checkout still needs (Settle), which are idempotent
// and safe to repeat.
func (s *Store) Process(ctx context.Context, rowID int64) error {
	var ev StripeEvent
	if err := s.db.WithContext(ctx).Where("id = ?", rowID).Take(&ev).Error; err != nil {
		return fmt.Errorf("checkout: load Stripe event %d: %w", rowID, err)
	}
	now := s.stamp()
	var checkoutID int64
	err := s.withTx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&StripeEvent{}).Where("id = ? AND processed_at IS NULL", rowID).Update("processed_at", now)
		if res.Error != nil {
			return fmt.Errorf("claim event: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		var err error
		checkoutID, err = s.apply(tx, ev, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("checkout: process %s %s: %w", ev.Type, ev.EventID, err)
	}
	if checkoutID == 0 {
		return nil
	}
	return s.Settle(ctx, checkoutID)
}

// apply makes one event's changes inside tx and returns the checkout it
// concerns (0 when none of ours).
func (s *Store) apply(tx *gorm.DB, ev StripeEvent, now time.Time) (int64, error) {
	switch ev.Type {
	case "checkout.session.completed", "checkout.session.async_payment_succeeded":
		sess, err := decode[stripe.CheckoutSession](ev.Payload)
		if err != nil {
			return 0, err
		}
		co, ok, err := findCheckout(tx, "session_id = ?", sess.ID)
		if err != nil || !ok {
			return 0, err
		}
		if sess.PaymentStatus != stripe.CheckoutSessionPaymentStatusPaid {
			return 0, nil // an asynchronous method: async_payment_succeeded comes later
		}
		pi := ""
		if sess.PaymentIntent != nil {
			pi = sess.PaymentIntent.ID
		}
		return co.ID, s.applyPaid(tx, co, pi, now)
	case "checkout.session.async_payment_failed":
		sess, err := decode[stripe.CheckoutSession](ev.Payload)
		if err != nil {
			return 0, err
		}
		return 0, tx.Model(&Checkout{}).Where("session_id = ? AND status = ?", sess.ID, StatusOpen).
			Updates(map[string]any{"status": StatusFailed, "updated_at": now}).Error
	case "payment_intent.payment_failed":
		pi, err := decode[stripe.PaymentIntent](ev.Payload)
		if err != nil {
			return 0, err
		}
		id, _ := strconv.ParseInt(pi.Metadata["duehub_checkout"], 10, 64)
		// The payer may still pay in the same session; a later completion
		// marks it paid.
		return 0, tx.Model(&Checkout{}).Where("(id = ? OR (payment_intent_id <> '' AND payment_intent_id = ?)) AND status = ?", id, pi.ID, StatusOpen).
			Updates(map[string]any{"status": StatusFailed, "updated_at": now}).Error
	case "charge.refunded":
		ch, err := decode[stripe.Charge](ev.Payload)
		if err != nil || ch.PaymentIntent == nil || ch.PaymentIntent.ID == "" {
			return 0, err
		}
		co, ok, err := findCheckout(tx, "payment_intent_id = ?", ch.PaymentIntent.ID)
		if err != nil || !ok {
			return 0, err
		}
		if !ch.Refunded && ch.AmountRefunded < ch.Amount {
			return 0, nil // partial: see doc.go
		}
		return co.ID, s.applyRefund(tx, co, now)
	case "account.updated": // a connected account's status, pushed by Stripe
		a, err := decode[stripe.Account](ev.Payload)
		if err != nil || a.ID == "" {
			return 0, err
		}
		return 0, tx.Model(&Account{}).Where("account_id = ?", a.ID).Updates(accountStatus(&a, now)).Error
	case "transfer.created", "transfer.updated", "transfer.reversed":
		tr, err := decode[stripe.Transfer](ev.Payload)
		if err != nil {
			return 0, err
		}
		if tr.Reversed {
			return 0, tx.Model(&Transfer{}).Where("transfer_id = ? AND transfer_id <> ''", tr.ID).
				Updates(map[string]any{"status": "reversed", "updated_at": now}).Error
		}
		return 0, nil
	}
	return 0, nil
}

func findCheckout(tx *gorm.DB, where string, arg any) (Checkout, bool, error) {
	var rows []Checkout
	if err := tx.Where(where, arg).Limit(1).Find(&rows).Error; err != nil {
		return Checkout{}, false, fmt.Errorf("find checkout: %w", err)
	}
	if len(rows) == 0 {
		return Checkout{}, false, nil
	}
	return rows[0], true, nil
}

// applyPaid marks the checkout paid and reduces each invoice by its line
// with a guarded UPDATE: a line finding less left than it pays (another
// checkout or the vendor got there first) becomes excess, refunded by
// Settle, and the invoice never goes below zero. One transfer row per
// vendor carries the sum of its applied lines.
func (s *Store) applyPaid(tx *gorm.DB, co Checkout, paymentIntent string, now time.Time) error {
	res := tx.Model(&Checkout{}).Where("id = ? AND status IN ?", co.ID, []string{StatusOpen, StatusFailed}).
		Updates(map[string]any{"status": StatusPaid, "payment_intent_id": paymentIntent, "updated_at": now})
	if res.Error != nil {
		return fmt.Errorf("mark paid: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil
	}
	var lines []Line
	if err := tx.Where("checkout_id = ? AND state = ?", co.ID, LinePending).Order("invoice_id").Find(&lines).Error; err != nil {
		return fmt.Errorf("load lines: %w", err)
	}
	perVendor := map[int64]int64{}
	var order []int64
	for _, l := range lines {
		res := tx.Exec(`UPDATE invoices SET amount_remaining = amount_remaining - ?, amount_applied = amount_applied + ?,
       paid_at = CASE WHEN amount_remaining = ? THEN ? ELSE paid_at END,
       status = CASE WHEN amount_remaining = ? THEN 'paid' ELSE status END, updated_at = ?
WHERE id = ? AND vendor_id = ? AND status = 'open' AND amount_remaining >= ?`,
			l.Amount, l.Amount, l.Amount, now, l.Amount, now, l.InvoiceID, l.VendorID, l.Amount)
		if res.Error != nil {
			return fmt.Errorf("reduce invoice %d: %w", l.InvoiceID, res.Error)
		}
		state := LineExcess
		if res.RowsAffected == 1 {
			state = LineApplied
			if _, seen := perVendor[l.VendorID]; !seen {
				order = append(order, l.VendorID)
			}
			perVendor[l.VendorID] += l.Amount
		}
		if err := tx.Model(&Line{}).Where("id = ?", l.ID).Update("state", state).Error; err != nil {
			return fmt.Errorf("line state: %w", err)
		}
	}
	for _, vendorID := range order {
		var acct Account
		if err := tx.Where("vendor_id = ?", vendorID).Take(&acct).Error; err != nil {
			return fmt.Errorf("vendor %d account: %w", vendorID, err)
		}
		t := Transfer{CheckoutID: co.ID, VendorID: vendorID, AccountID: acct.AccountID, Amount: perVendor[vendorID],
			Status: "pending", CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&t).Error; err != nil {
			return fmt.Errorf("transfer row: %w", err)
		}
	}
	return nil
}

// applyRefund takes a fully refunded checkout back: each applied line goes
// back to its invoice (reopened if the payment had closed it), the
// vendors' transfers are to be reversed, and each vendor gets a
// payment.refunded event.
func (s *Store) applyRefund(tx *gorm.DB, co Checkout, now time.Time) error {
	res := tx.Model(&Checkout{}).Where("id = ? AND status = ?", co.ID, StatusPaid).
		Updates(map[string]any{"status": StatusRefunded, "updated_at": now})
	if res.Error != nil || res.RowsAffected == 0 {
		return res.Error
	}
	var lines []Line
	if err := tx.Where("checkout_id = ? AND state = ?", co.ID, LineApplied).Order("invoice_id").Find(&lines).Error; err != nil {
		return fmt.Errorf("load lines: %w", err)
	}
	for _, l := range lines {
		err := tx.Exec(`UPDATE invoices SET
       amount_remaining = CASE WHEN amount_remaining + ? > amount_due THEN amount_due ELSE amount_remaining + ? END,
       amount_applied = CASE WHEN amount_applied > ? THEN amount_applied - ? ELSE 0 END,
       status = CASE WHEN status = 'paid' THEN 'open' ELSE status END,
       paid_at = CASE WHEN status = 'paid' THEN NULL ELSE paid_at END, updated_at = ?
WHERE id = ? AND vendor_id = ?`, l.Amount, l.Amount, l.Amount, l.Amount, now, l.InvoiceID, l.VendorID).Error
		if err != nil {
			return fmt.Errorf("reopen invoice %d: %w", l.InvoiceID, err)
		}
		if err := tx.Model(&Line{}).Where("id = ?", l.ID).Update("state", LineReversed).Error; err != nil {
			return fmt.Errorf("line state: %w", err)
		}
	}
	var transfers []Transfer
	if err := tx.Where("checkout_id = ?", co.ID).Order("vendor_id").Find(&transfers).Error; err != nil {
		return fmt.Errorf("load transfers: %w", err)
	}
	for _, t := range transfers {
		if err := tx.Model(&Transfer{}).Where("id = ? AND status IN ?", t.ID, []string{"pending", "created"}).
			Updates(map[string]any{"status": "reversing", "updated_at": now}).Error; err != nil {
			return fmt.Errorf("reverse transfer: %w", err)
		}
		payload, err := vendorPayload(tx, co, t, LineReversed)
		if err != nil {
			return err
		}
		payload["refunded_at"] = now
		if err := vendors.WriteEvent(tx, t.VendorID, EventPaymentRefunded, payload, now); err != nil {
			return err
		}
	}
	return nil
}

// vendorPayload is what a vendor's payment event says: its own invoices
// and amounts, and Stripe's ids for its reconciliation.
func vendorPayload(tx *gorm.DB, co Checkout, t Transfer, state string) (map[string]any, error) {
	var rows []struct {
		ExternalID      string
		Number          string
		Amount          int64
		AmountRemaining int64
		Status          string
	}
	err := tx.Raw(`SELECT i.external_id, i.number, l.amount, i.amount_remaining, i.status
FROM checkout_lines l JOIN invoices i ON i.id = l.invoice_id
WHERE l.checkout_id = ? AND l.vendor_id = ? AND i.vendor_id = ? AND l.state = ? ORDER BY i.id`, co.ID, t.VendorID, t.VendorID, state).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("event lines: %w", err)
	}
	invoices := make([]map[string]any, len(rows))
	for i, r := range rows {
		invoices[i] = map[string]any{"external_id": r.ExternalID, "number": r.Number, "amount": r.Amount,
			"amount_remaining": r.AmountRemaining, "status": r.Status}
	}
	session := ""
	if co.SessionID != nil {
		session = *co.SessionID
	}
	return map[string]any{
		"currency": co.Currency, "amount": t.Amount, "invoices": invoices,
		"stripe": map[string]any{"checkout_session": session, "payment_intent": co.PaymentIntentID, "charge": co.ChargeID,
			"transfer": t.TransferID, "transfer_group": co.TransferGroup, "destination": t.AccountID},
	}, nil
}

// Settle makes the Stripe calls a checkout still needs: a transfer to each
// vendor of a paid checkout (then its payment.received event), the
// reversal of each transfer of a refunded one, and the refund of excess
// lines. Every call carries an idempotency key, so repeating Settle after
// a crash never moves money twice.
func (s *Store) Settle(ctx context.Context, checkoutID int64) error {
	var co Checkout
	if err := s.db.WithContext(ctx).Where("id = ?", checkoutID).Take(&co).Error; err != nil {
		return fmt.Errorf("checkout: settle %d: %w", checkoutID, err)
	}
	if co.PaymentIntentID == "" {
		return nil
	}
	if co.ChargeID == "" {
		pi, err := s.sc.V1PaymentIntents.Retrieve(ctx, co.PaymentIntentID, nil)
		if err != nil {
			return fmt.Errorf("checkout: read PaymentIntent: %w", err)
		}
		if pi.LatestCharge != nil {
			co.ChargeID = pi.LatestCharge.ID
		}
		if co.ChargeID == "" {
			// Older API versions name no latest charge: the succeeded one.
			for ch, err := range s.sc.V1Charges.List(ctx, &stripe.ChargeListParams{PaymentIntent: stripe.String(pi.ID)}) {
				if err != nil {
					return fmt.Errorf("checkout: list charges: %w", err)
				}
				if ch.Status == stripe.ChargeStatusSucceeded {
					co.ChargeID = ch.ID
					break
				}
			}
		}
		if co.ChargeID == "" {
			return fmt.Errorf("checkout: PaymentIntent %s has no succeeded charge yet", pi.ID)
		}
		if err := s.db.WithContext(ctx).Model(&Checkout{}).Where("id = ?", co.ID).Update("charge_id", co.ChargeID).Error; err != nil {
			return fmt.Errorf("checkout: save charge: %w", err)
		}
	}
	var transfers []Transfer
	if err := s.db.WithContext(ctx).Where("checkout_id = ? AND status IN ?", co.ID, []string{"pending", "reversing"}).
		Order("vendor_id").Find(&transfers).Error; err != nil {
		return fmt.Errorf("checkout: load transfers: %w", err)
	}
	var errs []error
	for _, t := range transfers {
		if err := s.settleTransfer(ctx, co, t); err != nil {
			errs = append(errs, err)
		}
	}
	if err := s.refundExcess(ctx, co); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (s *Store) createTransfer(ctx context.Context, co Checkout, t Transfer) (string, error) {
	amount, err := toStripe(t.Amount, co.Currency)
	if err != nil {
		return "", err
	}
	params := &stripe.TransferCreateParams{Amount: stripe.Int64(amount), Currency: stripe.String(strings.ToLower(co.Currency)),
		Destination: stripe.String(t.AccountID), SourceTransaction: stripe.String(co.ChargeID),
		TransferGroup: stripe.String(co.TransferGroup),
		Metadata:      map[string]string{"duehub_checkout": strconv.FormatInt(co.ID, 10), "duehub_vendor": strconv.FormatInt(t.VendorID, 10)}}
	params.SetIdempotencyKey("duehub-transfer-" + strconv.FormatInt(t.ID, 10))
	tr, err := s.sc.V1Transfers.Create(ctx, params)
	if err != nil {
		return "", fmt.Errorf("checkout: transfer to vendor %d: %w", t.VendorID, err)
	}
	return tr.ID, nil
}

func (s *Store) settleTransfer(ctx context.Context, co Checkout, t Transfer) error {
	id := t.TransferID
	if id == "" {
		// Also for a transfer being reversed whose creation may have
		// reached Stripe unrecorded: the same key returns the same one.
		var err error
		if id, err = s.createTransfer(ctx, co, t); err != nil {
			return err
		}
	}
	if t.Status == "pending" {
		now := s.stamp()
		return s.withTx(ctx, func(tx *gorm.DB) error {
			res := tx.Model(&Transfer{}).Where("id = ? AND status = ?", t.ID, "pending").
				Updates(map[string]any{"status": "created", "transfer_id": id, "updated_at": now})
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error
			}
			t.TransferID = id
			payload, err := vendorPayload(tx, co, t, LineApplied)
			if err != nil {
				return err
			}
			payload["received_at"] = now
			return vendors.WriteEvent(tx, t.VendorID, EventPaymentReceived, payload, now)
		})
	}
	params := &stripe.TransferReversalCreateParams{ID: stripe.String(id)}
	params.SetIdempotencyKey("duehub-reversal-" + strconv.FormatInt(t.ID, 10))
	if _, err := s.sc.V1TransferReversals.Create(ctx, params); err != nil {
		return fmt.Errorf("checkout: reverse transfer %s: %w", id, err)
	}
	return s.db.WithContext(ctx).Model(&Transfer{}).Where("id = ? AND status = ?", t.ID, "reversing").
		Updates(map[string]any{"status": "reversed", "transfer_id": id, "updated_at": s.stamp()}).Error
}

// refundExcess refunds the payer what the excess lines paid.
func (s *Store) refundExcess(ctx context.Context, co Checkout) error {
	if co.ExcessRefundID != "" || co.Status != StatusPaid {
		return nil
	}
	var excess int64
	err := s.db.WithContext(ctx).Model(&Line{}).Where("checkout_id = ? AND state = ?", co.ID, LineExcess).
		Select("COALESCE(SUM(amount), 0)").Scan(&excess).Error
	if err != nil {
		return fmt.Errorf("checkout: excess: %w", err)
	}
	if excess == 0 {
		return nil
	}
	amount, err := toStripe(excess, co.Currency)
	if err != nil {
		return err
	}
	params := &stripe.RefundCreateParams{PaymentIntent: stripe.String(co.PaymentIntentID), Amount: stripe.Int64(amount),
		Metadata: map[string]string{"duehub_checkout": strconv.FormatInt(co.ID, 10), "reason": "invoice already paid"}}
	params.SetIdempotencyKey("duehub-excess-" + strconv.FormatInt(co.ID, 10))
	ref, err := s.sc.V1Refunds.Create(ctx, params)
	if err != nil {
		return fmt.Errorf("checkout: refund excess: %w", err)
	}
	return s.db.WithContext(ctx).Model(&Checkout{}).Where("id = ?", co.ID).Update("excess_refund_id", ref.ID).Error
}

// Unsettled returns the checkouts with Stripe calls still to make, for the
// periodic pass.
func (s *Store) Unsettled(ctx context.Context, limit int) ([]int64, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Raw(`SELECT id FROM checkouts WHERE payment_intent_id <> '' AND (
  EXISTS (SELECT 1 FROM checkout_transfers t WHERE t.checkout_id = checkouts.id AND t.status IN ('pending', 'reversing'))
  OR (status = 'paid' AND excess_refund_id = '' AND EXISTS (SELECT 1 FROM checkout_lines l WHERE l.checkout_id = checkouts.id AND l.state = 'excess')))
ORDER BY id LIMIT ?`, limit).Scan(&ids).Error
	if err != nil {
		return nil, fmt.Errorf("checkout: unsettled: %w", err)
	}
	return ids, nil
}
