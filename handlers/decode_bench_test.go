package handlers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

// BenchmarkDecodeBatch is the strict decode of one batch of 1000 invoices
// as the bench's clients send them (one in three customers repeated), with
// no database: what the hub spends on a batch before the store sees it.
func BenchmarkDecodeBatch(b *testing.B) {
	items := make([]map[string]any, 1000)
	for i := range items {
		items[i] = invoice(fmt.Sprintf("INV-%07d", i), set("customer.external_id", fmt.Sprintf("C-%04d", i%300)),
			set("customer.email", fmt.Sprintf("ap@payer%04d.example", i%300)), set("memo", "Order 4471, café délivré"))
	}
	body, err := json.Marshal(map[string]any{"invoices": items})
	if err != nil {
		b.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest(http.MethodPost, "/v1/invoices/batch", bytes.NewReader(body))
		c.Request.Header.Set("Content-Type", "application/json")
		inputs, _, _, err := decodeBatch(c, "invoices", invoiceRequest.input)
		if err != nil || len(inputs) != len(items) {
			b.Fatalf("%v, %d inputs", err, len(inputs))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(items)), "ns/invoice")
}
