package main

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/money"
	"github.com/duehub/duehub/vendors"
)

// The demo network is made from a seed and the demo's today, never from the
// clock or the database: the same seed and day push the same items, so a
// second `duehub demo` finds everything unchanged.

// demoSharedEmail is the payer billed by every demo vendor but one: its one
// digest is the point of the demo.
const demoSharedEmail = "ap@acme-industrial.example"

const (
	demoInvoices     = 400
	demoCredits      = 8
	demoSharedVendor = 5 // the shared payer is billed by the first five vendors
)

// demoProduct is a line a vendor bills. memo is a format whose %[1]d is a
// reference (PO, shipment) and %[2]d the quantity.
type demoProduct struct {
	memo           string
	currency       string
	unit           int64 // price of one, in minor units of currency (JPY has none)
	minQty, maxQty int
}

type demoVendor struct {
	vendors.NewVendor
	offsets     []int
	repeatDays  int
	termsDays   int
	numberFmt   string // invoice number from a running sequence
	creditFmt   string
	customerFmt string
	products    []demoProduct
}

var demoVendors = []demoVendor{
	{
		NewVendor: vendors.NewVendor{Name: "Northwind Traders", Domain: "northwind-traders.example",
			SupportEmail: "ar@northwind-traders.example", Timezone: "America/Chicago"},
		offsets: []int{-3, 0, 7}, repeatDays: 14, termsDays: 30,
		numberFmt: "NW-%05d", creditFmt: "NW-CR-%04d", customerFmt: "CUST-%05d",
		products: []demoProduct{
			{"PO %[1]d — %[2]d pallets of bottled water", "USD", 41250, 2, 24},
			{"PO %[1]d — %[2]d cases of coffee beans", "USD", 8640, 10, 120},
			{"PO %[1]d — %[2]d cases of paper cups", "USD", 3995, 20, 200},
		},
	},
	{
		NewVendor: vendors.NewVendor{Name: "Bergmann Stahlbau GmbH", Domain: "bergmann-stahlbau.example",
			SupportEmail: "buchhaltung@bergmann-stahlbau.example", Timezone: "Europe/Berlin"},
		offsets: []int{0, 5, 10, 20}, repeatDays: 7, termsDays: 14,
		numberFmt: "RE-2026-%04d", creditFmt: "GS-2026-%04d", customerFmt: "K-%05d",
		products: []demoProduct{
			{"Bestellung %[1]d — %[2]d t rebar B500B", "EUR", 118000, 2, 40},
			{"PO %[1]d — %[2]d steel beams HEB 200", "EUR", 64000, 4, 30},
			{"PO %[1]d — laser cutting, %[2]d sheets", "EUR", 9250, 10, 80},
		},
	},
	{
		NewVendor: vendors.NewVendor{Name: "Thames Valley Packaging Ltd", Domain: "thamesvalley-packaging.example",
			SupportEmail: "credit-control@thamesvalley-packaging.example", Timezone: "Europe/London"},
		offsets: []int{-7, 0, 3, 7}, repeatDays: 7, termsDays: 30,
		numberFmt: "TVP%06d", creditFmt: "TVPC%05d", customerFmt: "TV-%04d",
		products: []demoProduct{
			{"PO %[1]d — %[2]d,000 corrugated boxes", "GBP", 31200, 1, 20},
			{"PO %[1]d — %[2]d rolls of stretch film", "GBP", 1875, 20, 200},
			{"PO %[1]d — %[2]d pallets of void fill", "GBP", 14500, 1, 12},
		},
	},
	{
		NewVendor: vendors.NewVendor{Name: "Kiso Precision Tools", Domain: "kiso-precision.example",
			SupportEmail: "keiri@kiso-precision.example", Timezone: "Asia/Tokyo"},
		offsets: []int{-10, -3, 0, 14}, repeatDays: 30, termsDays: 60,
		numberFmt: "KP-%06d", creditFmt: "KP-CN-%05d", customerFmt: "T%06d",
		products: []demoProduct{
			{"PO %[1]d — %[2]d carbide end mills", "JPY", 8400, 5, 60},
			{"PO %[1]d — %[2]d boxes of indexable inserts", "JPY", 12600, 2, 40},
			{"PO %[1]d — regrinding service, %[2]d tools", "JPY", 1900, 10, 150},
		},
	},
	{
		NewVendor: vendors.NewVendor{Name: "Cascade Freight Lines", Domain: "cascade-freight.example",
			SupportEmail: "billing@cascade-freight.example", Timezone: "America/Vancouver"},
		offsets: []int{-5, 0, 3, 10}, repeatDays: 10, termsDays: 30,
		numberFmt: "CFL-%06d", creditFmt: "CFL-CM-%05d", customerFmt: "SHIPPER-%04d",
		products: []demoProduct{
			{"Shipment %[1]d — %[2]d pallets, Portland to Reno", "USD", 9600, 4, 26},
			{"Shipment %[1]d — %[2]d pallets, Seattle to Vancouver BC", "CAD", 11800, 4, 26},
			{"Shipment %[1]d — detention, %[2]d hours at consignee", "USD", 8500, 2, 10},
		},
	},
	{
		NewVendor: vendors.NewVendor{Name: "Lumen Office Supply", Domain: "lumen-office.example",
			SupportEmail: "receivables@lumen-office.example", Timezone: "America/New_York"},
		offsets: []int{-14, -7, 0, 7, 14}, repeatDays: 14, termsDays: 45,
		numberFmt: "LOS-%05d", creditFmt: "LOS-CR-%04d", customerFmt: "ACCT-%05d",
		products: []demoProduct{
			{"PO %[1]d — %[2]d toner cartridges", "USD", 7499, 2, 30},
			{"Order %[1]d — monthly supplies, %[2]d items", "USD", 635, 30, 400},
			{"PO %[1]d — %[2]d ergonomic chairs", "USD", 28900, 1, 12},
		},
	},
}

// demoCompanies are the payers; the first is the shared one.
var demoCompanies = []string{
	"Acme Industrial", "Globex Manufacturing", "Initech Systems", "Blue Ridge Dairy", "Harbor Point Marine",
	"Redwood Medical Supply", "Summit Outdoor Gear", "Pinecrest Hotels", "Lakeside Brewing", "Ironclad Builders",
	"Silverline Electronics", "Meadowbrook Farms", "Crescent Bakery", "Northgate Hospital", "Orchard Valley Foods",
	"Granite Peak Mining", "Bayview Restaurants", "Copperfield Machining", "Riverside Print Works", "Evergreen Landscaping",
	"Falcon Aerospace Parts", "Horizon Cold Storage", "Keystone Plumbing", "Maple Leaf Furniture", "Oakridge Schools",
	"Prairie Wind Energy", "Quarry Stone Surfaces", "Sunset Car Wash", "Tidewater Seafood", "Union Street Cafe",
	"Vantage Labs", "Westfield Auto Body", "Yellowstone Outfitters", "Zenith Dental Group", "Brightwater Pools",
	"Cedar Creek Vineyards", "Driftwood Boatworks", "Emberly Candles", "Foxglove Florists", "Greystone Property Management",
}

// AP mailbox names payers use; the shared payer's is fixed by demoSharedEmail.
var demoMailboxes = []string{"ap", "ap", "accounts-payable", "payables", "invoices", "finance"}

var demoCreditMemos = []string{
	"Credit for %[2]d damaged units, RMA %[1]d",
	"Volume rebate, ref %[1]d",
	"Price correction on PO %[1]d",
	"Returned goods, RMA %[1]d (%[2]d units)",
}

var demoConsentSources = []string{
	"signed credit application",
	"web portal opt-in",
	"phone order, recorded verbal consent",
}

type demoPayer struct {
	name, email, phone string
	consent            string // where the SMS consent was given, or "" for none
}

// demoNetwork is everything the demo pushes, per vendor in demoVendors order.
type demoNetwork struct {
	payers   []demoPayer
	invoices [][]vendors.InvoiceInput
	credits  [][]vendors.CreditInput
}

// demoRel is one vendor billing one payer.
type demoRel struct{ vendor, payer, invoices int }

func newDemoNetwork(seed uint64, today civil.Date) demoNetwork {
	r := rand.New(rand.NewPCG(seed, 0x6475656875622d64))
	net := demoNetwork{
		invoices: make([][]vendors.InvoiceInput, len(demoVendors)),
		credits:  make([][]vendors.CreditInput, len(demoVendors)),
	}
	for i, name := range demoCompanies {
		slug := strings.ToLower(strings.ReplaceAll(name, " ", "-"))
		p := demoPayer{name: name, email: demoMailboxes[r.IntN(len(demoMailboxes))] + "@" + slug + ".example"}
		if i == 0 {
			p.email = demoSharedEmail
		}
		// A few payers give a mobile number; most of those consented to SMS
		// with one of their vendors. Fictional ranges: 555-01xx, 07700 900xxx.
		if i > 0 && r.IntN(6) == 0 {
			if r.IntN(2) == 0 {
				p.phone = fmt.Sprintf("+1312555%04d", 100+r.IntN(100))
			} else {
				p.phone = fmt.Sprintf("+447700900%03d", r.IntN(1000))
			}
			if r.IntN(4) > 0 {
				p.consent = demoConsentSources[r.IntN(len(demoConsentSources))]
			}
		}
		net.payers = append(net.payers, p)
	}

	var rels []demoRel
	for v := range demoSharedVendor {
		rels = append(rels, demoRel{vendor: v, payer: 0, invoices: 4})
	}
	for p := 1; p < len(net.payers); p++ {
		vs := r.Perm(len(demoVendors))[:1+r.IntN(3)]
		slices.Sort(vs)
		for _, v := range vs {
			rels = append(rels, demoRel{vendor: v, payer: p, invoices: 2})
		}
	}
	total := 0
	for _, rel := range rels {
		total += rel.invoices
	}
	for ; total < demoInvoices; total++ {
		rels[r.IntN(len(rels))].invoices++
	}

	firstVendor := map[int]int{} // payer → the vendor that holds its SMS consent
	for _, rel := range rels {
		if _, ok := firstVendor[rel.payer]; !ok {
			firstVendor[rel.payer] = rel.vendor
		}
	}
	customer := func(rel demoRel) vendors.CustomerInput {
		p := net.payers[rel.payer]
		c := vendors.CustomerInput{ExternalID: fmt.Sprintf(demoVendors[rel.vendor].customerFmt, 1000+rel.payer*173),
			Name: p.name, Email: p.email, Phone: p.phone}
		if p.consent != "" && firstVendor[rel.payer] == rel.vendor {
			c.SMSConsent, c.SMSConsentSource = true, p.consent
		}
		return c
	}

	for _, rel := range rels {
		v := demoVendors[rel.vendor]
		for k := range rel.invoices {
			due := today.AddDays(-60 + r.IntN(min(v.termsDays, 45)+61))
			if rel.payer == 0 && k < 2 {
				// The shared payer owes every vendor something overdue or
				// due soon, so its digest shows them all.
				due = today.AddDays([]int{-30 + r.IntN(26), -3 + r.IntN(12)}[k])
			}
			pr := v.products[r.IntN(len(v.products))]
			qty := pr.minQty + r.IntN(pr.maxQty-pr.minQty+1)
			amount := int64(qty) * pr.unit
			remaining := amount
			status := vendors.StatusOpen
			switch roll := r.IntN(100); {
			case rel.payer == 0 && k < 2:
			case roll < 5:
				status, remaining = vendors.StatusPaid, 0
			case roll < 7:
				status = vendors.StatusVoid
			case roll < 13:
				remaining = wholeUnits(amount*int64(20+r.IntN(61))/100, pr.currency)
			}
			net.invoices[rel.vendor] = append(net.invoices[rel.vendor], vendors.InvoiceInput{
				Customer: customer(rel), Currency: pr.currency, AmountDue: &amount, AmountRemaining: &remaining,
				IssueDate: due.AddDays(-v.termsDays).String(), DueDate: due.String(), Status: status,
				Memo: fmt.Sprintf(pr.memo, 4000+r.IntN(6000), qty),
			})
		}
	}
	// Numbers run in issue order, as a vendor's invoicing system numbers them.
	for vi, invs := range net.invoices {
		v := demoVendors[vi]
		slices.SortStableFunc(invs, func(a, b vendors.InvoiceInput) int {
			return cmp.Or(strings.Compare(a.IssueDate, b.IssueDate), strings.Compare(a.Customer.ExternalID, b.Customer.ExternalID))
		})
		for i := range invs {
			invs[i].Number = fmt.Sprintf(v.numberFmt, 1201+i*3)
			invs[i].ExternalID = invs[i].Number
			invs[i].PayURL = "https://" + v.Domain + "/pay/" + invs[i].Number
		}
	}

	picked := map[int]bool{0: true} // the shared payer's credit from the first vendor
	credited := []demoRel{rels[0]}
	for len(credited) < demoCredits {
		if i := r.IntN(len(rels)); !picked[i] {
			picked[i] = true
			credited = append(credited, rels[i])
		}
	}
	for _, rel := range credited {
		v := demoVendors[rel.vendor]
		pr := v.products[0]
		amount := wholeUnits(int64(pr.minQty+r.IntN(pr.maxQty-pr.minQty+1))*pr.unit*int64(10+r.IntN(20))/100, pr.currency)
		remaining := amount
		if r.IntN(3) == 0 {
			remaining = wholeUnits(amount/2, pr.currency)
		}
		n := len(net.credits[rel.vendor])
		net.credits[rel.vendor] = append(net.credits[rel.vendor], vendors.CreditInput{
			ExternalID: fmt.Sprintf(v.creditFmt, 31+n*7), Number: fmt.Sprintf(v.creditFmt, 31+n*7),
			Customer: customer(rel), Currency: pr.currency, Amount: &amount, AmountRemaining: &remaining,
			IssueDate: today.AddDays(-r.IntN(30)).String(),
			Memo:      fmt.Sprintf(demoCreditMemos[r.IntN(len(demoCreditMemos))], 5000+r.IntN(5000), 1+r.IntN(12)),
		})
	}
	return net
}

// wholeUnits rounds an amount of minor units down to a whole unit of the
// currency (a dollar, a yen), as partial payments and credits usually are.
func wholeUnits(amount int64, currency string) int64 {
	unit := int64(1)
	for range money.Digits(currency) {
		unit *= 10
	}
	return amount / unit * unit
}
