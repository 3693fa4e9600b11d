// Package sendgrid sends duehub email through the SendGrid v3 Mail Send API
// with the official sendgrid-go SDK, and verifies and parses SendGrid's signed
// Event Webhook so that bounces, drops and spam reports can become
// suppressions.
package sendgrid
