package vendors

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrNotFound means the object does not exist for this vendor. It is also
	// the answer when it exists for another vendor.
	ErrNotFound = errors.New("not found")
	// ErrUnauthorized means an API key is missing, malformed, unknown or revoked.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrIdempotencyMismatch means an Idempotency-Key was reused with another request.
	ErrIdempotencyMismatch = errors.New("idempotency key reused with a different request")
	// ErrIdempotencyInFlight means the first request with this key is still running.
	ErrIdempotencyInFlight = errors.New("a request with this idempotency key is still in progress")
)

// FieldError names one invalid input field, by its JSON path.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError is a list of invalid fields.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Invalid builds a ValidationError for one field.
func Invalid(field, message string) *ValidationError {
	return &ValidationError{Fields: []FieldError{{field, message}}}
}

// fieldErrors collects FieldErrors while validating.
type fieldErrors []FieldError

func (fe *fieldErrors) add(field, message string) {
	*fe = append(*fe, FieldError{field, message})
}

// WrapAction adds what was being done to a failed action. A
// *ValidationError and ErrNotFound go back as they are, so that callers
// answer them field by field, or as a 404.
func WrapAction(what string, err error) error {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return ve
	}
	if errors.Is(err, ErrNotFound) {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}
