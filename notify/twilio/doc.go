// Package twilio sends duehub SMS through Twilio's Messages API with the
// official twilio-go SDK, verifies Twilio's signed webhooks (delivery status
// and inbound replies), and recognises the STOP/START/HELP keywords that carry
// a payer's SMS consent.
package twilio
