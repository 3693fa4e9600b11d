package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"
)

// analyticsRuns is how many times the analytics figures are computed for
// the largest vendor, one after another.
const analyticsRuns = 40

// measureAnalytics times GET /v1/analytics over the last three years for
// the vendor with the most invoices: the same computation as the web
// inbox's /vendor/analytics page (which adds only its SVG and HTML).
// Requests run one at a time, as a team opening the page does.
func measureAnalytics(ctx context.Context, h Hub, s *server, vk vendorKeys, r *Result, progress func(string, ...any)) error {
	var largest struct {
		VendorID int64
		N        int
	}
	err := h.DB.Gorm.WithContext(ctx).Raw(`SELECT vendor_id, count(*) AS n FROM invoices GROUP BY vendor_id ORDER BY n DESC LIMIT 1`).
		Scan(&largest).Error
	if err != nil {
		return fmt.Errorf("bench: the largest vendor: %w", err)
	}
	key := ""
	for i, id := range vk.ids {
		if id == largest.VendorID {
			key = vk.keys[i]
		}
	}
	if key == "" {
		return fmt.Errorf("bench: no key for vendor %d", largest.VendorID)
	}
	today := time.Now().UTC()
	url := s.baseURL + "/v1/analytics?from=" + today.AddDate(0, 0, -1097).Format("2006-01-02") + "&to=" + today.Format("2006-01-02")
	client := &http.Client{Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	took := make([]time.Duration, 0, analyticsRuns)
	for range analyticsRuns {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+key)
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("bench: analytics: %w", err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("bench: analytics: %s", resp.Status)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	r.AnalyticsInvoices = largest.N
	r.AnalyticsP50Ms = ms(took[len(took)/2])
	r.AnalyticsP99Ms = ms(took[(len(took)*99+99)/100-1])
	progress("analytics for the largest vendor (%d invoices), %d runs: p50 %.1f ms, p99 %.1f ms",
		largest.N, analyticsRuns, r.AnalyticsP50Ms, r.AnalyticsP99Ms)
	return nil
}
