package checkout

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v82"
	"gorm.io/gorm"

	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// Checkout statuses.
const (
	StatusOpen     = "open"
	StatusPaid     = "paid"
	StatusFailed   = "failed"
	StatusRefunded = "refunded"
)

// Checkout is one payer's Checkout Session over invoices of one currency.
type Checkout struct {
	ID              int64
	PayerID         int64
	Currency        string
	Amount          int64 // the invoices' lines
	Fee             int64 // the platform fee, on top
	Status          string
	SessionID       *string
	PaymentIntentID string
	ChargeID        string
	TransferGroup   string
	ExcessRefundID  string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Line is what a checkout pays of one invoice.
type Line struct {
	ID         int64
	CheckoutID int64
	VendorID   int64
	InvoiceID  int64
	Amount     int64
	State      string
}

// TableName names the table.
func (Line) TableName() string { return "checkout_lines" }

// Item is an invoice the payer ticked and the amount to pay of it.
type Item struct {
	InvoiceID int64
	Amount    int64
}

// QuoteLine is one invoice of a quote.
type QuoteLine struct {
	InvoiceID         int64
	InvoiceExternalID string
	Number            string
	Amount            int64
	Remaining         int64
}

// QuoteVendor is one vendor's part of a quote: what its account receives.
type QuoteVendor struct {
	VendorID  int64
	Name      string
	AccountID string
	Lines     []QuoteLine
	Amount    int64
}

// Quote is what the payer is about to pay: per vendor, the fee, the total.
type Quote struct {
	Currency string
	Vendors  []QuoteVendor
	Amount   int64 // sent to the vendors
	Fee      int64
	Total    int64 // charged to the payer
}

// MaxItems bounds the invoices of one checkout (Stripe takes at most 100
// line items; one per vendor plus the fee).
const MaxItems = 99

// invoiceRow is an invoice as a checkout needs it.
type invoiceRow struct {
	ID              int64
	ExternalID      string
	Number          string
	VendorID        int64
	VendorName      string
	Currency        string
	AmountRemaining int64
	Status          string
}

// Quote checks the payer's items and prices them. An invoice that is not
// the payer's is payers.ErrNotFound, whoever's it is.
func (s *Store) Quote(ctx context.Context, payerID int64, items []Item) (Quote, error) {
	if len(items) == 0 {
		return Quote{}, vendors.Invalid("invoices", "tick at least one invoice to pay")
	}
	if len(items) > MaxItems {
		return Quote{}, vendors.Invalid("invoices", fmt.Sprintf("at most %d invoices in one payment", MaxItems))
	}
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.InvoiceID
	}
	var rows []invoiceRow
	err := s.db.WithContext(ctx).Raw(`
SELECT i.id, i.external_id, i.number, i.vendor_id, v.name AS vendor_name, i.currency, i.amount_remaining, i.status
FROM invoices i JOIN customers c ON c.id = i.customer_id JOIN vendors v ON v.id = i.vendor_id
WHERE i.id IN ? AND c.payer_id = ?`, ids, payerID).Scan(&rows).Error
	if err != nil {
		return Quote{}, fmt.Errorf("checkout: quote: %w", err)
	}
	byID := make(map[int64]invoiceRow, len(rows))
	vendorIDs := []int64{}
	for _, r := range rows {
		byID[r.ID] = r
		vendorIDs = append(vendorIDs, r.VendorID)
	}
	accounts, err := s.Accounts(ctx, vendorIDs)
	if err != nil {
		return Quote{}, err
	}
	var q Quote
	var fe []vendors.FieldError
	seen := map[int64]bool{}
	index := map[int64]int{}
	for _, it := range items {
		r, ok := byID[it.InvoiceID]
		if !ok {
			return Quote{}, fmt.Errorf("checkout: invoice %d: %w", it.InvoiceID, payers.ErrNotFound)
		}
		field := payers.AmountField(r.ID)
		if seen[r.ID] {
			continue
		}
		seen[r.ID] = true
		if q.Currency == "" {
			q.Currency = r.Currency
		}
		acct, connected := accounts[r.VendorID]
		switch {
		case r.Status != vendors.StatusOpen || r.AmountRemaining == 0:
			fe = append(fe, vendors.FieldError{Field: field, Message: "invoice " + r.Number + " has nothing left to pay"})
			continue
		case r.Currency != q.Currency:
			fe = append(fe, vendors.FieldError{Field: "invoices",
				Message: "one payment covers invoices of one currency: pay the " + q.Currency + " and the " + r.Currency + " invoices separately"})
			continue
		case !connected || !acct.ChargesEnabled:
			fe = append(fe, vendors.FieldError{Field: field, Message: r.VendorName + " does not take payments through duehub yet: use its own payment page"})
			continue
		case !acct.Accepts(r.Currency):
			fe = append(fe, vendors.FieldError{Field: field, Message: r.VendorName + "'s Stripe account cannot take payments in " + r.Currency + ": use its own payment page"})
			continue
		case it.Amount <= 0:
			fe = append(fe, vendors.FieldError{Field: field, Message: "must be more than zero"})
			continue
		case it.Amount > r.AmountRemaining:
			fe = append(fe, vendors.FieldError{Field: field, Message: "must be at most the " + money.Format(r.AmountRemaining, r.Currency) + " remaining"})
			continue
		case it.Amount%chargeStep(r.Currency) != 0:
			fe = append(fe, vendors.FieldError{Field: field, Message: "card payments in " + r.Currency + " take multiples of " +
				money.Format(chargeStep(r.Currency), r.Currency) + ": pay " + money.Format(it.Amount-it.Amount%chargeStep(r.Currency), r.Currency) +
				" here and the rest on the vendor's own payment page"})
			continue
		}
		i, ok := index[r.VendorID]
		if !ok {
			i = len(q.Vendors)
			index[r.VendorID] = i
			q.Vendors = append(q.Vendors, QuoteVendor{VendorID: r.VendorID, Name: r.VendorName, AccountID: acct.AccountID})
		}
		v := &q.Vendors[i]
		v.Lines = append(v.Lines, QuoteLine{InvoiceID: r.ID, InvoiceExternalID: r.ExternalID, Number: r.Number,
			Amount: it.Amount, Remaining: r.AmountRemaining})
		v.Amount += it.Amount
		q.Amount += it.Amount
	}
	if len(fe) > 0 {
		return Quote{}, &vendors.ValidationError{Fields: fe}
	}
	sort.SliceStable(q.Vendors, func(a, b int) bool { return q.Vendors[a].Name < q.Vendors[b].Name })
	q.Fee = s.Fee(q.Amount)
	if step := chargeStep(q.Currency); q.Fee%step != 0 {
		q.Fee += step - q.Fee%step // up to what Stripe can charge
	}
	q.Total = q.Amount + q.Fee
	return q, nil
}

// Started is a checkout whose Checkout Session is ready: URL is Stripe's
// payment page.
type Started struct {
	Checkout Checkout
	Quote    Quote
	URL      string
}

// Start quotes the items, records the checkout and its lines, and creates
// the Checkout Session: one line item per vendor and one for the fee, the
// PaymentIntent in the checkout's transfer group. Nothing is reserved: the
// invoices are reduced when the payment completes (see Process).
func (s *Store) Start(ctx context.Context, payerID int64, items []Item, successURL, cancelURL string) (Started, error) {
	q, err := s.Quote(ctx, payerID, items)
	if err != nil {
		return Started{}, err
	}
	// In Stripe's units: each vendor's line, then the fee. The quote has
	// refused what Stripe cannot take.
	amounts := make([]int64, len(q.Vendors)+1)
	for i, a := range append(vendorAmounts(q), q.Fee) {
		if amounts[i], err = toStripe(a, q.Currency); err != nil {
			return Started{}, err
		}
	}
	now := s.stamp()
	co := Checkout{PayerID: payerID, Currency: q.Currency, Amount: q.Amount, Fee: q.Fee, Status: StatusOpen,
		CreatedAt: now, UpdatedAt: now}
	err = s.withTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&co).Error; err != nil {
			return fmt.Errorf("create checkout: %w", err)
		}
		co.TransferGroup = "duehub_checkout_" + strconv.FormatInt(co.ID, 10)
		if err := tx.Model(&co).Update("transfer_group", co.TransferGroup).Error; err != nil {
			return fmt.Errorf("transfer group: %w", err)
		}
		for _, v := range q.Vendors {
			for _, l := range v.Lines {
				line := Line{CheckoutID: co.ID, VendorID: v.VendorID, InvoiceID: l.InvoiceID, Amount: l.Amount, State: "pending"}
				if err := tx.Create(&line).Error; err != nil {
					return fmt.Errorf("create line: %w", err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return Started{}, fmt.Errorf("checkout: start: %w", err)
	}
	ref := strconv.FormatInt(co.ID, 10)
	cur := strings.ToLower(q.Currency)
	params := &stripe.CheckoutSessionCreateParams{Mode: stripe.String(string(stripe.CheckoutSessionModePayment)),
		SuccessURL: stripe.String(successURL), CancelURL: stripe.String(cancelURL), ClientReferenceID: stripe.String(ref),
		Metadata: map[string]string{"duehub_checkout": ref},
		PaymentIntentData: &stripe.CheckoutSessionCreatePaymentIntentDataParams{TransferGroup: stripe.String(co.TransferGroup),
			Metadata: map[string]string{"duehub_checkout": ref}}}
	for i, v := range q.Vendors {
		numbers := make([]string, len(v.Lines))
		for i, l := range v.Lines {
			numbers[i] = l.Number
		}
		params.LineItems = append(params.LineItems, &stripe.CheckoutSessionCreateLineItemParams{Quantity: stripe.Int64(1),
			PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{Currency: stripe.String(cur), UnitAmount: stripe.Int64(amounts[i]),
				ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{
					Name: stripe.String(v.Name + ": invoice " + strings.Join(numbers, ", "))}}})
	}
	if q.Fee > 0 {
		params.LineItems = append(params.LineItems, &stripe.CheckoutSessionCreateLineItemParams{Quantity: stripe.Int64(1),
			PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{Currency: stripe.String(cur), UnitAmount: stripe.Int64(amounts[len(q.Vendors)]),
				ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String("duehub service fee")}}})
	}
	params.SetIdempotencyKey("duehub-checkout-" + ref)
	sess, err := s.sc.V1CheckoutSessions.Create(ctx, params)
	if err != nil {
		s.db.WithContext(context.WithoutCancel(ctx)).Model(&co).Where("status = ?", StatusOpen).
			Updates(map[string]any{"status": StatusFailed, "updated_at": s.stamp()})
		return Started{}, fmt.Errorf("checkout: create Checkout Session: %w", err)
	}
	co.SessionID = &sess.ID
	if err := s.db.WithContext(ctx).Model(&co).Update("session_id", sess.ID).Error; err != nil {
		return Started{}, fmt.Errorf("checkout: save session: %w", err)
	}
	return Started{Checkout: co, Quote: q, URL: sess.URL}, nil
}

// Get returns one of the payer's checkouts.
func (s *Store) Get(ctx context.Context, payerID, checkoutID int64) (Checkout, error) {
	var rows []Checkout
	if err := s.db.WithContext(ctx).Where("id = ? AND payer_id = ?", checkoutID, payerID).Limit(1).Find(&rows).Error; err != nil {
		return Checkout{}, fmt.Errorf("checkout: get: %w", err)
	}
	if len(rows) == 0 {
		return Checkout{}, fmt.Errorf("checkout %d: %w", checkoutID, payers.ErrNotFound)
	}
	return rows[0], nil
}

// IsNotFound reports a checkout or invoice that is not the payer's.
func IsNotFound(err error) bool { return errors.Is(err, payers.ErrNotFound) }

// BySession returns the payer's checkout of a Checkout Session.
func (s *Store) BySession(ctx context.Context, payerID int64, sessionID string) (Checkout, error) {
	var rows []Checkout
	if sessionID != "" {
		if err := s.db.WithContext(ctx).Where("session_id = ? AND payer_id = ?", sessionID, payerID).Limit(1).Find(&rows).Error; err != nil {
			return Checkout{}, fmt.Errorf("checkout: by session: %w", err)
		}
	}
	if len(rows) == 0 {
		return Checkout{}, fmt.Errorf("checkout session: %w", payers.ErrNotFound)
	}
	return rows[0], nil
}

func vendorAmounts(q Quote) []int64 {
	out := make([]int64, len(q.Vendors))
	for i, v := range q.Vendors {
		out[i] = v.Amount
	}
	return out
}
