package branding_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/duehub/duehub/branding"
	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/payers"
	"github.com/duehub/duehub/vendors"
)

// TestStore (both databases): brandings are per vendor; a replaced or
// removed logo is no longer found; a light accent is refused and stored
// nowhere.
func TestStore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		dbtest.CheckColumns(t, db, &branding.Brand{})
		vs := vendors.NewStore(db.Gorm, payers.NewStore(db.Gorm, time.Now), time.Now)
		a, err := vs.CreateVendor(ctx, vendors.NewVendor{Name: "Northwind"})
		if err != nil {
			t.Fatal(err)
		}
		b, err := vs.CreateVendor(ctx, vendors.NewVendor{Name: "Contoso"})
		if err != nil {
			t.Fatal(err)
		}
		s := branding.NewStore(db.Gorm, time.Now)
		if got, err := s.Get(ctx, a.ID); err != nil || got.HasLogo() || got.Accent != "" || got.LogoPath() != "" {
			t.Fatalf("before any branding: %+v, %v", got, err)
		}
		if err := s.SetAccent(ctx, a.ID, "#FFCC00"); !errors.Is(err, branding.ErrAccent) {
			t.Fatalf("light accent: %v", err)
		}
		if err := s.SetAccent(ctx, a.ID, "#0F5132"); err != nil {
			t.Fatal(err)
		}
		logo, err := branding.CleanLogo([]byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>`))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetLogo(ctx, a.ID, logo); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, a.ID)
		if err != nil || got.Accent != "#0f5132" || got.LogoPath() == "" || got.LogoType != "svg" {
			t.Fatalf("after setting: %+v, %v", got, err)
		}
		if l, err := s.Logo(ctx, a.ID, logo.Hash, "svg"); err != nil || string(l.Data) != string(logo.Data) {
			t.Fatalf("Logo: %v", err)
		}
		for _, c := range []struct {
			vendor    int64
			hash, typ string
		}{{b.ID, logo.Hash, "svg"}, {a.ID, logo.Hash, "png"}, {a.ID, "0000", "svg"}, {a.ID, "", ""}} {
			if _, err := s.Logo(ctx, c.vendor, c.hash, c.typ); !errors.Is(err, branding.ErrNotFound) {
				t.Errorf("Logo(%d, %q, %q) = %v; want ErrNotFound", c.vendor, c.hash, c.typ, err)
			}
		}
		m, err := s.ForVendors(ctx, []int64{a.ID, b.ID})
		if err != nil || len(m) != 1 || m[a.ID].Accent != "#0f5132" {
			t.Fatalf("ForVendors = %+v, %v", m, err)
		}
		if err := s.RemoveLogo(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Logo(ctx, a.ID, logo.Hash, "svg"); !errors.Is(err, branding.ErrNotFound) {
			t.Errorf("a removed logo is still found: %v", err)
		}
		if got, _ := s.Get(ctx, a.ID); got.HasLogo() || got.Accent != "#0f5132" {
			t.Errorf("after removing the logo: %+v", got)
		}
		if err := s.SetAccent(ctx, a.ID, ""); err != nil {
			t.Fatal(err)
		}
		if m, _ := s.ForVendors(ctx, []int64{a.ID}); len(m) != 0 {
			t.Errorf("a vendor with nothing left still has a branding: %+v", m)
		}
	})
}
