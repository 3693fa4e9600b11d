// Package smtp sends duehub email to any SMTP server with the standard
// library's net/smtp, for operators who run their own mail relay instead of
// SendGrid. It builds the MIME message itself (text and HTML alternatives,
// RFC 2047 subjects) and turns SMTP reply codes into notify errors.
package smtp
