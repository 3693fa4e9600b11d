package handlers

import (
	"bytes"
	"encoding/json"
	"reflect"

	"github.com/duehub/duehub/vendors"
)

// optional is a request field that tells "not sent" from "sent empty":
// Set is false when the key is absent. An explicit null is sent and holds
// the zero value, like "" (or false).
type optional[T any] struct {
	Set   bool
	Value T
}

// wrapped tells checkJSON to check the JSON of an optional[T] as a T.
func (o *optional[T]) wrapped() reflect.Type { return reflect.TypeFor[T]() }

// present is for the one-pass decoder: like UnmarshalJSON, it sets Set.
func (o *optional[T]) present() any {
	o.Set = true
	return &o.Value
}

func (o *optional[T]) UnmarshalJSON(data []byte) error {
	o.Set = true
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		var zero T
		o.Value = zero
		return nil
	}
	return json.Unmarshal(data, &o.Value)
}

// customerRequest is the customer object of a pushed invoice or credit. Only
// external_id is required once the vendor's customer exists: every other
// field that is absent keeps its stored value.
type customerRequest struct {
	ExternalID       string           `json:"external_id"`
	Name             optional[string] `json:"name"`
	Email            optional[string] `json:"email"`
	Phone            optional[string] `json:"phone"`
	SMSConsent       optional[bool]   `json:"sms_consent"`
	SMSConsentSource optional[string] `json:"sms_consent_source"`
}

func (r customerRequest) input() vendors.CustomerInput {
	in := vendors.CustomerInput{ExternalID: r.ExternalID, Name: r.Name.Value, Email: r.Email.Value, Phone: r.Phone.Value,
		SMSConsent: r.SMSConsent.Value, SMSConsentSource: r.SMSConsentSource.Value}
	for _, f := range []struct {
		set   bool
		field vendors.CustomerFields
	}{{r.Name.Set, vendors.FieldName}, {r.Email.Set, vendors.FieldEmail}, {r.Phone.Set, vendors.FieldPhone},
		{r.SMSConsent.Set, vendors.FieldSMSConsent}, {r.SMSConsentSource.Set, vendors.FieldSMSConsentSource}} {
		if !f.set {
			in.Omitted |= f.field
		}
	}
	return in
}
