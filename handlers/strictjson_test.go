package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/duehub/duehub/vendors"
)

const goodInvoiceJSON = `{"external_id":"INV-1","number":"1","customer":{"external_id":"C-1","name":"Acme","email":"ap@acme.example",` +
	`"phone":"+15551230000","sms_consent":false,"sms_consent_source":""},"currency":"USD","amount_due":125000,` +
	`"amount_remaining":125000,"issue_date":"2026-11-01","due_date":"2026-12-01","pay_url":"https://pay.example/1",` +
	`"pdf_url":"","status":"open","memo":"PO 4471\nsecond line\ttab"}`

// fieldsOfError returns the field names of a validation error, in order.
func fieldsOfError(t *testing.T, err error) []string {
	t.Helper()
	var ve *vendors.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a validation error, got %v", err)
	}
	var names []string
	for _, f := range ve.Fields {
		names = append(names, f.Field)
	}
	return names
}

func TestDecodeStrictRefusesWhatEncodingJSONLetsThrough(t *testing.T) {
	edit := func(old, new string) string {
		if !strings.Contains(goodInvoiceJSON, old) {
			t.Fatalf("%q not in the good invoice", old)
		}
		return strings.Replace(goodInvoiceJSON, old, new, 1)
	}
	cases := []struct {
		name   string
		body   string
		fields []string
	}{
		{"long s folds to status", edit(`"status":"open"`, `"ſtatus":"void"`), []string{"ſtatus"}},
		{"case-folded key overrides", edit(`"memo"`, `"Amount_Due":5,"memo"`), []string{"Amount_Due"}},
		{"duplicate key", edit(`"memo"`, `"status":"void","memo"`), []string{"status"}},
		{"duplicate key written with an escape", edit(`"memo"`, `"st\u0061tus":"void","memo"`), []string{"status"}},
		{"duplicate nested key", edit(`"name":"Acme"`, `"name":"Acme","name":"Evil"`), []string{"customer.name"}},
		{"unknown nested key", edit(`"name":"Acme"`, `"vat":"GB1","name":"Acme"`), []string{"customer.vat"}},
		{"escaped NUL", edit(`"number":"1"`, `"number":"1\u0000"`), []string{"number"}},
		{"escaped NUL in memo", edit(`"memo":"PO 4471`, `"memo":"PO\u00004471`), []string{"memo"}},
		{"DEL", edit(`"name":"Acme"`, `"name":"Ac\u007fme"`), []string{"customer.name"}},
		{"C1", edit(`"name":"Acme"`, `"name":"Ac`+"\u0085"+`me"`), []string{"customer.name"}},
		{"line feed in a one-line field", edit(`"number":"1"`, `"number":"1\n2"`), []string{"number"}},
		{"invalid UTF-8 byte", edit(`"name":"Acme"`, "\"name\":\"Ac\xffme\""), []string{"customer.name"}},
		{"lone surrogate escape", edit(`"memo":"PO`, `"memo":"\ud800PO`), []string{"memo"}},
		{"amount as string", edit(`"amount_due":125000`, `"amount_due":"125000"`), []string{"amount_due"}},
		{"amount with fraction", edit(`"amount_due":125000`, `"amount_due":1.5`), []string{"amount_due"}},
		{"amount with exponent", edit(`"amount_due":125000`, `"amount_due":1e3`), []string{"amount_due"}},
		{"amount beyond int64", edit(`"amount_due":125000`, `"amount_due":9223372036854775808`), []string{"amount_due"}},
		{"customer as array", edit(`"pdf_url":""`, `"pdf_url":[]`), []string{"pdf_url"}},
		{"bool as string", edit(`"sms_consent":false`, `"sms_consent":"no"`), []string{"customer.sms_consent"}},
		{"every problem at once", strings.NewReplacer(`"status":"open"`, `"ſtatus":"void"`, `"name":"Acme"`, `"name":"A\u0000","vat":1`,
			`"amount_due":125000`, `"amount_due":"x","Amount_Due":5`, `"memo":"PO`, `"memo":"\u0001`).Replace(goodInvoiceJSON),
			[]string{"customer.name", "customer.vat", "amount_due", "Amount_Due", "ſtatus", "memo"}},
		{"not an object", `[1]`, []string{"body"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var req invoiceRequest
			got := fieldsOfError(t, decodeStrict([]byte(c.body), &req))
			if !slices.Equal(got, c.fields) {
				t.Fatalf("fields = %q, want %q", got, c.fields)
			}
		})
	}
}

func TestDecodeStrictMalformed(t *testing.T) {
	for _, body := range []string{"", " ", goodInvoiceJSON + "}", goodInvoiceJSON + " {}", `{"memo":"a` + "\x00" + `b"}`,
		`{"memo":"\x"}`, `{"memo":"\u12"}`, `{"memo" "x"}`, `{"amount_due":01}`, `{"amount_due":-}`, `{"status":tru}`,
		`{"external_id":"A",`, `{,}`, strings.Repeat(`{"customer":`, 70)} {
		var req invoiceRequest
		if err := decodeStrict([]byte(body), &req); !errors.Is(err, errMalformedJSON) {
			t.Errorf("%q: err = %v, want malformed JSON", body, err)
		}
	}
}

func TestDecodeStrictAcceptsGoodBodies(t *testing.T) {
	var req invoiceRequest
	if err := decodeStrict([]byte(goodInvoiceJSON), &req); err != nil {
		t.Fatal(err)
	}
	if req.Memo != "PO 4471\nsecond line\ttab" || *req.AmountDue != 125000 || req.Customer.Email.Value != "ap@acme.example" {
		t.Fatalf("decoded %+v", req)
	}
	// Escapes of ordinary characters, surrogate pairs and null are JSON like any other.
	var esc invoiceRequest
	if err := decodeStrict([]byte(`{"memo":"caf\u00e9 \ud83d\ude00 \/","pay_url":null,"amount_due":-0}`), &esc); err != nil {
		t.Fatal(err)
	}
	if esc.Memo != "café 😀 /" {
		t.Fatalf("memo = %q", esc.Memo)
	}
	var policy policyJSON
	if err := decodeStrict([]byte(`{"offsets":[-7,0,3],"repeat_days":7}`), &policy); err != nil || len(policy.Offsets) != 3 {
		t.Fatalf("policy: %v %+v", err, policy)
	}
	if got := fieldsOfError(t, decodeStrict([]byte(`{"offsets":[1,"2",3.5],"repeat_days":7}`), &policy)); !slices.Equal(got, []string{"offsets[1]", "offsets[2]"}) {
		t.Fatalf("policy fields = %q", got)
	}
}

// FuzzDecodeStrict checks, for any body, that decodeStrict never panics, that
// it refuses what is not JSON, and that what it accepts is exactly what
// encoding/json reads with exact keys: valid UTF-8, no duplicate or unknown
// keys, no control characters outside multi-line fields.
func FuzzDecodeStrict(f *testing.F) {
	for _, seed := range []string{
		goodInvoiceJSON,
		`{}`, `[]`, `null`, `""`, `1`, `{"amount_due":9223372036854775807}`, `{"amount_due":-9223372036854775808}`,
		`{"ſtatus":"void"}`, `{"Amount_Due":5}`, `{"status":"open","status":"void"}`, goodInvoiceJSON + `}`,
		`{"memo":"\u0000"}`, `{"memo":"a\tb\r\nc"}`, `{"number":"a\tb"}`, "{\"memo\":\"\xff\xfe\"}", "{\"memo\":\"\xed\xa0\x80\"}",
		`{"memo":"\ud800"}`, `{"memo":"\udc00\ud800"}`, `{"memo":"\ud83d\ude00"}`, `{"customer":{"vat":"GB1","Email":"x"}}`,
		`{"customer":[]}`, `{"amount_due":1.0}`, `{"amount_due":1E+2}`, `{"amount_due":"1"}`, "{\"memo\":\"\u0085\u007f\"}",
		`{"customer":{"customer":{}}}`, `{"external_id":"A",}`, ` {"number" : "1" } `, `{"memo":"\/\b\f"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got invoiceRequest
		err := decodeStrict(data, &got)
		var ve *vendors.ValidationError
		if err != nil {
			if !errors.As(err, &ve) && !errors.Is(err, errMalformedJSON) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			if ve != nil && len(ve.Fields) == 0 {
				t.Fatal("validation error without fields")
			}
			if !json.Valid(data) && !errors.Is(err, errMalformedJSON) {
				t.Fatalf("invalid JSON reported as %v", err)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		if !utf8.Valid(data) {
			t.Fatalf("accepted invalid UTF-8 %q", data)
		}
		var loose invoiceRequest
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&loose); err != nil {
			t.Fatalf("encoding/json refuses what was accepted: %v", err)
		}
		if !reflect.DeepEqual(got, loose) {
			t.Fatalf("decoded %+v, encoding/json %+v", got, loose)
		}
		strs := []string{got.ExternalID, got.Number, got.Currency, got.IssueDate, got.DueDate, got.PayURL, got.PDFURL, got.Status}
		if got.Customer != nil {
			strs = append(strs, got.Customer.ExternalID, got.Customer.Name.Value, got.Customer.Email.Value, got.Customer.Phone.Value, got.Customer.SMSConsentSource.Value)
		}
		for _, s := range append(strs, got.Memo) {
			multiline := s == got.Memo
			if strings.ContainsFunc(s, func(r rune) bool { return isControl(r, multiline) }) || strings.ContainsRune(s, utf8.RuneError) && !strings.Contains(string(data), "\uFFFD") && !strings.Contains(strings.ToLower(string(data)), `\ufffd`) {
				t.Fatalf("accepted %q from %q", s, data)
			}
		}
		// Exact keys: every key of every object is a field's own name, once.
		var generic map[string]any
		if json.Unmarshal(data, &generic) == nil {
			for k := range generic {
				if _, ok := fieldsOf(reflect.TypeFor[invoiceRequest]())[k]; !ok {
					t.Fatalf("accepted unknown key %q", k)
				}
			}
		}
	})
}
