package checkout

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v82"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/duehub/duehub/audit"
)

// Account is a vendor's Stripe connected account as last read from Stripe.
type Account struct {
	VendorID        int64 `gorm:"primaryKey;autoIncrement:false"`
	AccountID       string
	ChargesEnabled  bool
	PayoutsEnabled  bool
	RequirementsDue string // comma-separated Stripe requirement names
	Country         string
	Currencies      string // comma-separated lower-case ISO codes
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// TableName names the table.
func (Account) TableName() string { return "stripe_accounts" }

// Requirements lists what Stripe still needs from the vendor.
func (a Account) Requirements() []string {
	if a.RequirementsDue == "" {
		return nil
	}
	return strings.Split(a.RequirementsDue, ",")
}

// Accepts says whether the account takes payments in currency (ISO code).
func (a Account) Accepts(currency string) bool {
	return a.ChargesEnabled && slices.Contains(strings.Split(a.Currencies, ","), strings.ToLower(currency))
}

// ErrNoAccount means the vendor has not connected Stripe.
var ErrNoAccount = errors.New("checkout: no Stripe account")

// Account returns the vendor's connected account.
func (s *Store) Account(ctx context.Context, vendorID int64) (Account, error) {
	var rows []Account
	if err := s.db.WithContext(ctx).Where("vendor_id = ?", vendorID).Limit(1).Find(&rows).Error; err != nil {
		return Account{}, fmt.Errorf("checkout: account: %w", err)
	}
	if len(rows) == 0 {
		return Account{}, ErrNoAccount
	}
	return rows[0], nil
}

// Accounts returns the connected accounts of the vendors, by vendor id.
func (s *Store) Accounts(ctx context.Context, vendorIDs []int64) (map[int64]Account, error) {
	out := map[int64]Account{}
	if len(vendorIDs) == 0 {
		return out, nil
	}
	var rows []Account
	if err := s.db.WithContext(ctx).Where("vendor_id IN ?", vendorIDs).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("checkout: accounts: %w", err)
	}
	for _, a := range rows {
		out[a.VendorID] = a
	}
	return out, nil
}

// PayerCanPay reports whether some open invoice of the payer is a
// vendor's whose connected account takes payments in its currency: only
// then does the portal offer to pay online.
func (s *Store) PayerCanPay(ctx context.Context, payerID int64) (bool, error) {
	var rows []struct {
		Currency   string
		Currencies string
	}
	err := s.db.WithContext(ctx).Raw(`SELECT DISTINCT i.currency, a.currencies FROM invoices i
JOIN customers c ON c.id = i.customer_id JOIN stripe_accounts a ON a.vendor_id = i.vendor_id
WHERE c.payer_id = ? AND i.status = 'open' AND i.amount_remaining > 0 AND a.charges_enabled = ?`, payerID, true).Scan(&rows).Error
	if err != nil {
		return false, fmt.Errorf("checkout: payer can pay: %w", err)
	}
	for _, r := range rows {
		if (Account{ChargesEnabled: true, Currencies: r.Currencies}).Accepts(r.Currency) {
			return true, nil
		}
	}
	return false, nil
}

// OnboardingLink creates the vendor's connected account on first use (an
// Express account) and returns a fresh Account Link to Stripe's onboarding.
// returnURL is where Stripe sends the vendor back, refreshURL where an
// expired link leads.
func (s *Store) OnboardingLink(ctx context.Context, vendorID int64, returnURL, refreshURL string) (string, error) {
	acct, err := s.Account(ctx, vendorID)
	if errors.Is(err, ErrNoAccount) {
		params := &stripe.AccountCreateParams{Type: stripe.String(string(stripe.AccountTypeExpress)),
			Capabilities: &stripe.AccountCreateCapabilitiesParams{
				Transfers: &stripe.AccountCreateCapabilitiesTransfersParams{Requested: stripe.Bool(true)}},
			Metadata: map[string]string{"duehub_vendor": strconv.FormatInt(vendorID, 10)}}
		// Two admins clicking at once get the same account from Stripe.
		params.SetIdempotencyKey("duehub-account-" + strconv.FormatInt(vendorID, 10))
		created, err := s.sc.V1Accounts.Create(ctx, params)
		if err != nil {
			return "", fmt.Errorf("checkout: create Stripe account: %w", err)
		}
		now := s.stamp()
		acct = Account{VendorID: vendorID, AccountID: created.ID, CreatedAt: now, UpdatedAt: now}
		// Where the vendor's payments will go: audited with who connected it.
		err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&acct)
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error
			}
			return audit.Record(ctx, tx, audit.Entry{CreatedAt: now, Action: audit.StripeAccountCreated, TargetType: "stripe_account",
				TargetID: created.ID, Target: created.ID, VendorID: audit.Vendor(vendorID)})
		})
		if err != nil {
			return "", fmt.Errorf("checkout: save Stripe account: %w", err)
		}
		if acct, err = s.Account(ctx, vendorID); err != nil {
			return "", err
		}
	} else if err != nil {
		return "", err
	}
	link, err := s.sc.V1AccountLinks.Create(ctx, &stripe.AccountLinkCreateParams{Account: stripe.String(acct.AccountID),
		RefreshURL: stripe.String(refreshURL), ReturnURL: stripe.String(returnURL),
		Type: stripe.String("account_onboarding")})
	if err != nil {
		return "", fmt.Errorf("checkout: account link: %w", err)
	}
	return link.URL, nil
}

// RefreshAccount reads the vendor's account from Stripe and stores its
// status: whether it takes charges, what Stripe still needs, and the
// payment currencies of its country.
func (s *Store) RefreshAccount(ctx context.Context, vendorID int64) (Account, error) {
	acct, err := s.Account(ctx, vendorID)
	if err != nil {
		return Account{}, err
	}
	a, err := s.sc.V1Accounts.GetByID(ctx, acct.AccountID, nil)
	if err != nil {
		return Account{}, fmt.Errorf("checkout: read Stripe account: %w", err)
	}
	acct.ChargesEnabled, acct.PayoutsEnabled, acct.Country = a.ChargesEnabled, a.PayoutsEnabled, a.Country
	acct.RequirementsDue = requirementsDue(a)
	acct.Currencies = ""
	if a.Country != "" {
		spec, err := s.sc.V1CountrySpecs.Retrieve(ctx, a.Country, nil)
		if err != nil {
			return Account{}, fmt.Errorf("checkout: read Stripe country spec: %w", err)
		}
		codes := make([]string, 0, len(spec.SupportedPaymentCurrencies))
		for _, c := range spec.SupportedPaymentCurrencies {
			codes = append(codes, strings.ToLower(string(c)))
		}
		acct.Currencies = strings.Join(codes, ",")
	}
	acct.UpdatedAt = s.stamp()
	err = s.db.WithContext(ctx).Model(&Account{}).Where("vendor_id = ?", vendorID).Updates(map[string]any{
		"charges_enabled": acct.ChargesEnabled, "payouts_enabled": acct.PayoutsEnabled,
		"requirements_due": acct.RequirementsDue, "country": acct.Country, "currencies": acct.Currencies,
		"updated_at": acct.UpdatedAt}).Error
	if err != nil {
		return Account{}, fmt.Errorf("checkout: save Stripe account: %w", err)
	}
	return acct, nil
}

// accountStatus is the status columns an account.updated event sets: the
// payment currencies stay as the last refresh read them, since the event
// carries the account, not its country's specification.
func accountStatus(a *stripe.Account, now time.Time) map[string]any {
	return map[string]any{"charges_enabled": a.ChargesEnabled, "payouts_enabled": a.PayoutsEnabled,
		"requirements_due": requirementsDue(a), "updated_at": now}
}

func requirementsDue(a *stripe.Account) string {
	if a.Requirements == nil {
		return ""
	}
	return strings.Join(a.Requirements.CurrentlyDue, ",")
}

// withTx is db.Transaction with the context.
func (s *Store) withTx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.db.WithContext(ctx).Transaction(fn)
}
