// Package admins keeps the hub operator's accounts: who may open the
// operator console at /admin (created by `duehub admins create --email E`),
// the sign-in links they used, and their session generations. The console
// itself is in handlers; what it reads is in package console.
package admins
