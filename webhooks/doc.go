// Package webhooks delivers vendors' events to their webhook endpoints: the
// signed request, an HTTP client that refuses to connect to private,
// loopback and metadata addresses (checked on every connection, after DNS
// resolution), and the retry schedule. The endpoint and delivery rows live
// in package vendors; a Dispatcher works them, driven by package jobs.
package webhooks
