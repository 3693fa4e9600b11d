// Package migrations holds duehub's schema as numbered SQL files, one set per
// dialect (postgres/, sqlite/), embedded in the binary and applied with goose.
// The server checks at start-up that no migration is pending and refuses to
// run on a schema that is behind.
package migrations
