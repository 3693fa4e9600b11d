package analytics

import (
	"context"
	"fmt"
	"time"
)

// What payers see of a vendor's service: "usually answers within …" on the
// portal, the median time to the vendor's first reply over the threads
// opened in the last 90 days, shown only once at least UsualMinThreads of
// them were answered (fewer say little, and could single out one payer's
// thread).

// UsualMinThreads is the fewest answered threads a usual reply time is
// computed from.
const UsualMinThreads = 5

// UsualWindow is how far back the usual reply time looks.
const UsualWindow = 90 * 24 * time.Hour

// UsualFirstReply returns the median first-reply time of each of the
// vendors that has one to show.
func (s *Store) UsualFirstReply(ctx context.Context, vendorIDs []int64) (map[int64]time.Duration, error) {
	out := map[int64]time.Duration{}
	if len(vendorIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		VendorID        int64
		CreatedAt       time.Time
		FirstResponseAt time.Time
	}
	err := s.db.WithContext(ctx).Raw(`SELECT vendor_id, created_at, first_response_at FROM threads
WHERE vendor_id IN ? AND created_at >= ? AND first_response_at IS NOT NULL`, vendorIDs, s.now().UTC().Add(-UsualWindow)).
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("analytics: usual first reply: %w", err)
	}
	hours := map[int64][]float64{}
	for _, r := range rows {
		hours[r.VendorID] = append(hours[r.VendorID], r.FirstResponseAt.Sub(r.CreatedAt).Hours())
	}
	for id, hs := range hours {
		if len(hs) >= UsualMinThreads {
			out[id] = time.Duration(quantile(hs, 0.5) * float64(time.Hour))
		}
	}
	return out, nil
}
