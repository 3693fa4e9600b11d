package handlers

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestOnePassDecodeAgreesWithEncodingJSON decodes bodies of every request
// type the API reads strictly, and checks that what the one-pass decoder
// stores is what encoding/json stores (FuzzDecodeStrict does the same for
// invoices, at random).
func TestOnePassDecodeAgreesWithEncodingJSON(t *testing.T) {
	cases := []struct {
		into func() any
		body string
	}{
		{func() any { return new(creditRequest) }, `{"external_id":"CN-1","customer":{"external_id":"C","email":null,"sms_consent":true},"amount":500,"memo":"a\nb"}`},
		{func() any { return new(creditRequest) }, `{"customer":null,"amount":null,"amount_remaining":0}`},
		{func() any { return new(policyJSON) }, `{"offsets":[-7,0,3,7],"repeat_days":7}`},
		{func() any { return new(policyJSON) }, `{"offsets":[],"repeat_days":null}`},
		{func() any { return new(policyJSON) }, `{"offsets":null}`},
		{func() any { return new(endpointRequest) }, `{"url":"https://h.example/x","event_types":["a","b"],"description":"caf\u00e9 \ud83d\ude00"}`},
		{func() any { return new(endpointRequest) }, `{"event_types":null}`},
		{func() any { return new(rollRequest) }, `{"expires_in":3600}`},
		{func() any { return new(rollRequest) }, `null`},
		{func() any { return new(threadResolveRequest) }, `{"outcome":"resolved","note":"tab\there"}`},
		{func() any { return new(memberRequest) }, `{"email":"a@b.example","name":"\u00c9lise","role":"agent"}`},
		{func() any { return new(paymentConfirmRequest) }, `{}`},
		{func() any { return new(map[string]json.RawMessage) }, `{"a":[1,{"b":null}],"c":null}`},
	}
	for _, c := range cases {
		got, want := c.into(), c.into()
		if !decodable(reflect.TypeOf(got).Elem()) {
			t.Logf("%T is decoded by encoding/json", got)
		}
		if err := decodeStrict([]byte(c.body), got); err != nil {
			t.Errorf("%T %s: %v", got, c.body, err)
			continue
		}
		if err := json.Unmarshal([]byte(c.body), want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%T %s: decoded %+v, encoding/json %+v", got, c.body, got, want)
		}
	}
}
