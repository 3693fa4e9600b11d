package bundler

import (
	"context"
	"slices"
	"strings"

	"github.com/duehub/duehub/notify"
)

// brand gives the vendor sections of the batch's email digests their
// vendor's logo and accent colour, read once for the whole batch. SMS
// digests have no place for either.
func (r *Runner) brand(ctx context.Context, jobs []*job) error {
	if r.cfg.Brands == nil {
		return nil
	}
	var ids []int64
	for _, j := range jobs {
		if j.msg.Channel != notify.Email {
			continue
		}
		for _, v := range j.d.Vendors {
			ids = append(ids, v.VendorID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	brands, err := r.cfg.Brands.ForVendors(ctx, slices.Compact(ids))
	if err != nil {
		return err
	}
	base := strings.TrimSuffix(r.cfg.BaseURL, "/")
	for _, j := range jobs {
		if j.msg.Channel != notify.Email {
			continue
		}
		for i := range j.d.Vendors {
			b, ok := brands[j.d.Vendors[i].VendorID]
			if !ok {
				continue
			}
			j.d.Vendors[i].Accent = b.Accent
			if p := b.LogoPath(); p != "" {
				j.d.Vendors[i].LogoURL = base + p
			}
		}
	}
	return nil
}
