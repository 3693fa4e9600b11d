// Package notify is the transport-neutral side of delivery: the Message every
// channel sends, the Sender interface each provider implements, and the
// classified Error that tells the caller whether to retry, give up, or
// suppress the address for good.
//
// Providers live in sub-packages (sendgrid, twilio, smtp) so that each SDK is
// imported in exactly one place.
package notify
