package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/vendors"
)

const (
	maxSingleBody = 256 << 10 // one invoice or credit
	maxBatchBody  = 8 << 20   // 1000 invoices with long memos and URLs
)

// readBody reads the request body, at most limit bytes.
func readBody(c *gin.Context, limit int64) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	if err != nil {
		return nil, err
	}
	return body, nil
}

// decodeStrict decodes one JSON value into v, rejecting unknown fields and
// trailing data, and turns type errors into field errors.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return fmt.Errorf("%w: data after the JSON value", errMalformedJSON)
	}
	return nil
}

func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return vendors.Invalid(field, fmt.Sprintf("must be %s, not a JSON %s", describeType(typeErr.Type.Kind().String()), typeErr.Value))
	case errors.As(err, &syntaxErr), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: %v", errMalformedJSON, err)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return vendors.Invalid(name, "is not a known field")
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return err
	}
	return fmt.Errorf("%w: %v", errMalformedJSON, err)
}

func describeType(kind string) string {
	switch kind {
	case "int64", "int", "int32":
		return "an integer (minor units)"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "ptr":
		return "an integer (minor units)"
	case "struct", "map":
		return "an object"
	case "slice":
		return "an array"
	}
	return "another type"
}
