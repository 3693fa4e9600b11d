// Package checkout lets a payer settle invoices of several vendors in one
// Stripe Checkout Session (issue 17). Vendors connect a Stripe account
// (Connect, Account Links onboarding); the hub charges the payer on the
// platform account and sends each vendor exactly its invoices' amounts with
// separate charges and transfers under one transfer group, so the vendors'
// money never sits on the hub's own books beyond Stripe's settlement.
//
// Design choices:
//   - Fee: the operator's optional fee (DUEHUB_STRIPE_FEE_BPS, basis points
//     of the invoices' total, rounded up) is a line of its own added on top
//     and shown before paying; transfers equal the invoice amounts exactly.
//   - Exactly once: Stripe's webhook is verified (stripe-go's webhook
//     package) and stored once by event id (stripe_events); one River job
//     per stored event applies it, and processed_at is set in the same
//     transaction as the event's effects, so a replay or a second worker
//     changes nothing.
//   - Concurrency: nothing is reserved when a session starts. When a payment
//     completes, each line reduces its invoice with a guarded UPDATE
//     (amount_remaining >= line), so two checkouts of one invoice can never
//     take it below zero; a line that finds too little left is marked excess
//     and refunded to the payer instead of being transferred.
//   - Refunds: a full refund of the charge (charge.refunded) reverses the
//     vendors' transfers and gives each applied line back to its invoice
//     (reopened); a partial refund is told to the vendors and changes no
//     invoice, the vendor reconciles it.
//   - Account status: whether a connected account takes payments, its
//     requirements and currencies are stored, never read from Stripe while
//     a page renders: Stripe's account.updated events keep them current,
//     and an admin's Check status (a POST) reads the account again.
//   - Amounts are int64 ISO 4217 minor units in the hub; what is sent to
//     Stripe is converted to Stripe's units where they differ (amounts.go:
//     ISK and UGX in hundredths, MGA in whole units, three-decimal
//     currencies in steps of ten), and the quote refuses an amount Stripe
//     cannot charge exactly, naming the step.
package checkout
