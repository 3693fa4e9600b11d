package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/duehub/duehub/vendors"
)

// readBatchTwoPasses is how batches were read before readBatch: the
// envelope decoded strictly as a map of raw values, the array as raw
// values, then each item on its own. readBatch must answer the same.
func readBatchTwoPasses(body []byte, name string) ([]invoiceRequest, []error, error) {
	var envelope map[string]json.RawMessage
	if err := decodeStrict(body, &envelope); err != nil {
		return nil, nil, err
	}
	for k := range envelope {
		if k != name {
			return nil, nil, vendors.Invalid("(unknown)", "is not a known field")
		}
	}
	var raws []json.RawMessage
	if err := decodeStrict(envelope[name], &raws); err != nil || envelope[name] == nil {
		return nil, nil, vendors.Invalid(name, "must be an array of objects")
	}
	if len(raws) == 0 || len(raws) > vendors.MaxBatch {
		return nil, nil, vendors.Invalid(name, fmt.Sprintf("must hold between 1 and %d items", vendors.MaxBatch))
	}
	reqs := make([]invoiceRequest, len(raws))
	errs := make([]error, len(raws))
	for i, raw := range raws {
		errs[i] = decodeStrict(raw, &reqs[i])
	}
	return reqs, errs, nil
}

func errorText(err error) string {
	if err == nil {
		return ""
	}
	var ve *vendors.ValidationError
	if errors.As(err, &ve) {
		return fmt.Sprint(ve.Fields)
	}
	if errors.Is(err, errMalformedJSON) {
		return "malformed" // the byte offsets differ: items were read on their own
	}
	return err.Error()
}

// FuzzReadBatch checks that the one-pass batch reader refuses, accepts and
// decodes exactly what the envelope-then-items decode did.
func FuzzReadBatch(f *testing.F) {
	for _, seed := range []string{
		`{"invoices":[` + goodInvoiceJSON + `]}`, `{"invoices":[` + goodInvoiceJSON + `,{"ſtatus":"void"},1,null,[]]}`,
		`{"invoices":[]}`, `{"invoices":null}`, `null`, `[]`, `{}`, `{"invoices":{}}`, `{"invoices":"x"}`,
		`{"invoices":[],"invoices":[]}`, `{"Invoices":[]}`, `{"invoices":[{"memo":"\u0000"}]}`, "{\"inv\xffoices\":[]}",
		`{"invoices":[{"external_id":"A","external_id":"B"}]}`, `{"invoices":[{"\u0073tatus":"open","status":"void"}]}`,
		`{"invoices":[{"amount_due":1.5,"customer":{"email":null,"phone":"+1"}}]} `, `{"invoices":[{"customer":{"name":"a","name":"b"}}]}`,
		`{"invoices":[` + goodInvoiceJSON + `]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := readBatch[invoiceRequest](body, "invoices")
		reqs, errs, wantErr := readBatchTwoPasses(body, "invoices")
		got, want := errorText(err), errorText(wantErr)
		if strings.Contains(want, "(unknown)") && strings.Contains(got, "is not a known field") {
			return // which unknown key is named was up to map order
		}
		if got != want {
			t.Fatalf("batch error %q, two passes %q", got, want)
		}
		if err != nil {
			return
		}
		if len(items) != len(reqs) {
			t.Fatalf("%d items, two passes %d", len(items), len(reqs))
		}
		for i := range items {
			if got, want := errorText(items[i].problem()), errorText(errs[i]); got != want {
				t.Fatalf("item %d: error %q, two passes %q", i, got, want)
			}
			if errs[i] == nil && !reflect.DeepEqual(items[i].req, reqs[i]) {
				t.Fatalf("item %d: %+v, two passes %+v", i, items[i].req, reqs[i])
			}
		}
	})
}
