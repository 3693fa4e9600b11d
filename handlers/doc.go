// Package handlers is duehub's HTTP surface: the gin router with every route
// on one screen, the vendor API under /v1 (API-key auth, idempotency,
// problem+json errors), operations endpoints and the OpenAPI description.
// It is the only package that imports gin; handlers bind, call one domain
// function and respond.
package handlers
