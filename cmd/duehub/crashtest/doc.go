// Package crashtest kills `duehub serve` with SIGKILL in the middle of
// sending digests, again and again, and checks what a payer would notice:
// every payer gets its digest, and a payer gets a second one only for a send
// that was in flight at a kill. It drives the real binary against
// PostgreSQL and a fake SendGrid, so it tests whatever the send path is.
//
// It holds only a test (kill9_test.go); `go test -short` skips it.
package crashtest
