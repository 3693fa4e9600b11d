package bench

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/duehub/duehub/civil"
	"github.com/duehub/duehub/money"
)

// The synthetic network is a pure function of (seed, scale, reference day):
// every invoice is generated from its own random stream, keyed by its vendor
// and index, so any invoice can be made again without the others and the
// network is never held in memory. Only the vendor–payer relationships (a
// few bytes per customer) are kept.

// Sizes at scale 1.
const (
	fullVendors  = 1000
	fullPayers   = 100_000
	fullInvoices = 1_000_000
	fullCredits  = 20_000
)

// The heavy payer is payer 0: heavyInvoices invoices from each of the first
// heavyVendors vendors. Its portal inbox is the page the latency figure loads.
const (
	heavyVendors  = 20
	heavyInvoices = 10
)

// netConfig chooses the network and the time it is generated around.
type netConfig struct {
	Seed  uint64
	Scale float64
	// Ref is the reference day: invoices are issued on or before it and due
	// around it.
	Ref civil.Date
	// DueMin and DueMax bound the due dates, in days from Ref.
	DueMin, DueMax int
	// FirstOverdue makes each customer's first invoice overdue on Ref, so
	// that every payer is due a digest on Ref.
	FirstOverdue bool
	// IssuedByRef clamps issue dates to Ref (a snapshot of open invoices);
	// otherwise invoices due far ahead are issued after Ref (a simulation).
	IssuedByRef bool
}

// genVendor is a vendor of the network and its reminder policy.
type genVendor struct {
	Index           int
	Name, Domain    string
	Offsets         []int
	RepeatDays      int
	TermsDays       int
	Currency, Other string
}

// network is a generated network: vendors, relationships and counts.
type network struct {
	cfg     netConfig
	vendors []genVendor
	payers  int
	// customers[v] are the payer indexes that buy from vendor v, in the
	// order their customer records are made; for v < heavyVendors the heavy
	// payer is customers[v][0].
	customers [][]int32
	// invoices[v] is how many invoices vendor v has.
	invoices []int
	credits  int
}

var policies = []struct {
	offsets []int
	repeat  int
}{
	{[]int{-7, 0, 3, 7}, 7}, // the hub's default
	{[]int{-3, 0, 7}, 14},
	{[]int{-5, 0, 5, 10, 20}, 7},
	{[]int{-10, -1, 2, 7}, 10},
	{[]int{-7, 1, 14}, 14},
}

var currencies = []struct {
	code   string
	weight float64
}{{"USD", .45}, {"EUR", .25}, {"GBP", .12}, {"CAD", .06}, {"JPY", .05}, {"CHF", .04}, {"KWD", .03}}

var terms = []int{14, 30, 30, 45, 60}

// rng returns the random stream of one object of one kind.
func rng(seed uint64, kind, id uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed^(kind*0x9E3779B97F4A7C15), id))
}

const (
	kindVendor uint64 = iota + 1
	kindPayer
	kindInvoice
	kindCredit
)

func scaled(full int, scale float64, least int) int {
	return max(least, int(math.Round(float64(full)*scale)))
}

// newNetwork generates the vendors and relationships of the network.
func newNetwork(cfg netConfig) *network {
	n := &network{cfg: cfg, payers: scaled(fullPayers, cfg.Scale, 50), credits: scaled(fullCredits, cfg.Scale, 1)}
	nv := scaled(fullVendors, cfg.Scale, heavyVendors)
	for v := range nv {
		r := rng(cfg.Seed, kindVendor, uint64(v))
		p := policies[r.IntN(len(policies))]
		gv := genVendor{Index: v, Name: fmt.Sprintf("Vendor %04d Supplies", v), Domain: fmt.Sprintf("v%04d.bench.example", v),
			Offsets: p.offsets, RepeatDays: p.repeat, TermsDays: terms[r.IntN(len(terms))]}
		x := r.Float64()
		for _, c := range currencies {
			if x < c.weight {
				gv.Currency = c.code
				break
			}
			x -= c.weight
		}
		if gv.Currency == "" {
			gv.Currency = "USD"
		}
		gv.Other = "USD"
		if gv.Currency == "USD" {
			gv.Other = "EUR"
		}
		n.vendors = append(n.vendors, gv)
	}
	n.customers = make([][]int32, nv)
	for v := range heavyVendors {
		n.customers[v] = append(n.customers[v], 0)
	}
	// Each other payer buys from 1 to 8 vendors (about 3), bigger vendors
	// (lower indexes) more often.
	for p := 1; p < n.payers; p++ {
		r := rng(cfg.Seed, kindPayer, uint64(p))
		k := 1
		for k < 8 && r.Float64() < 0.6 {
			k++
		}
		k = min(k, nv)
		seen := make(map[int]bool, k)
		for len(seen) < k {
			v := int(float64(nv) * math.Pow(r.Float64(), 1.5))
			if !seen[v] {
				seen[v] = true
				n.customers[v] = append(n.customers[v], int32(p))
			}
		}
	}
	// The invoices other than the heavy payer's are spread evenly over the
	// relationships, so a vendor's count follows its number of customers.
	total := scaled(fullInvoices, cfg.Scale, 1) - heavyVendors*heavyInvoices
	rels := 0
	for v := range nv {
		rels += len(n.customers[v]) - n.heavy(v)
	}
	n.invoices = make([]int, nv)
	done := 0
	for v := range nv {
		lo := done
		done += len(n.customers[v]) - n.heavy(v)
		n.invoices[v] = done*total/rels - lo*total/rels + n.heavy(v)*heavyInvoices
	}
	return n
}

// heavy is 1 when vendor v's first customer is the heavy payer.
func (n *network) heavy(v int) int {
	if v < heavyVendors {
		return 1
	}
	return 0
}

// totalInvoices is the number of invoices of the whole network.
func (n *network) totalInvoices() int {
	t := 0
	for _, c := range n.invoices {
		t += c
	}
	return t
}

// genCustomer is a vendor's customer record of a payer.
type genCustomer struct {
	ExternalID string
	Name       string
	Email      string
	Phone      string
	SMSConsent bool
}

// customer returns payer p's customer record (the same at every vendor).
// Most payers are reached by email; one in ten also by SMS, one in twenty by
// SMS alone.
func (n *network) customer(p int32) genCustomer {
	c := genCustomer{ExternalID: fmt.Sprintf("CUST-%07d", p), Name: fmt.Sprintf("Company %06d", p)}
	email := fmt.Sprintf("ap@payer%07d.bench.example", p)
	phone := fmt.Sprintf("+1%03d555%04d", 201+int(p/10000)%700, p%10000)
	switch r := rng(n.cfg.Seed, kindPayer, uint64(p)^1<<40).IntN(100); {
	case r < 85 || p == 0:
		c.Email = email
	case r < 95:
		c.Email, c.Phone, c.SMSConsent = email, phone, true
	default:
		c.Phone, c.SMSConsent = phone, true
	}
	return c
}

// genInvoice is one invoice as its vendor pushes it, with its future in a
// simulation: the day it is paid and the day it is disputed, if ever.
type genInvoice struct {
	Vendor int
	Index  int
	Payer  int32
	// Customer is the position of Payer in the vendor's customers.
	Customer        int
	ExternalID      string
	Number          string
	Currency        string
	AmountDue       int64
	AmountRemaining int64
	Issue, Due      civil.Date
	PayURL          string
	Memo            string
	// Paid is the day the vendor marks it paid; zero if never.
	Paid civil.Date
	// Disputed is the day the payer disputes it; zero if never.
	Disputed civil.Date
}

// invoice generates invoice j of vendor v.
func (n *network) invoice(v, j int) genInvoice {
	gv := n.vendors[v]
	r := rng(n.cfg.Seed, kindInvoice, uint64(v)<<32|uint64(j))
	h := n.heavy(v)
	pos, round := 0, j
	if j >= h*heavyInvoices {
		k := len(n.customers[v]) - h
		pos, round = h+(j-h*heavyInvoices)%k, (j-h*heavyInvoices)/k
	}
	inv := genInvoice{Vendor: v, Index: j, Payer: n.customers[v][pos], Customer: pos, ExternalID: fmt.Sprintf("INV-%07d", j),
		Number: fmt.Sprintf("V%04d-%06d", v, j), Currency: gv.Currency}
	if r.IntN(100) < 15 {
		inv.Currency = gv.Other
	}
	major := math.Exp(math.Log(20) + r.Float64()*(math.Log(50000)-math.Log(20)))
	inv.AmountDue = max(1, int64(major*math.Pow10(money.Digits(inv.Currency))))
	inv.AmountRemaining = inv.AmountDue
	if r.IntN(100) < 20 {
		inv.AmountRemaining = max(1, inv.AmountDue*int64(10+r.IntN(80))/100)
	}
	due := n.cfg.DueMin + r.IntN(n.cfg.DueMax-n.cfg.DueMin+1)
	if n.cfg.FirstOverdue && round == 0 {
		due = -1 - r.IntN(45)
	}
	inv.Due = n.cfg.Ref.AddDays(due)
	inv.Issue = inv.Due.AddDays(-gv.TermsDays)
	if n.cfg.IssuedByRef && inv.Issue.After(n.cfg.Ref) {
		inv.Issue = n.cfg.Ref
	}
	if r.IntN(10) > 0 {
		inv.PayURL = fmt.Sprintf("https://pay.%s/i/%s", gv.Domain, inv.ExternalID)
	}
	inv.Memo = fmt.Sprintf("PO %d", 10000+r.IntN(90000))
	// The future: a third pay early, most pay late, a tenth never do; a few
	// are disputed two days after falling due.
	var delay int
	switch x := r.IntN(100); {
	case x < 30:
		delay = -1 - r.IntN(10)
	case x < 70:
		delay = r.IntN(31)
	case x < 90:
		delay = 31 + r.IntN(60)
	default:
		delay = math.MaxInt32
	}
	if delay != math.MaxInt32 {
		inv.Paid = inv.Due.AddDays(delay)
		if first := maxDate(inv.Issue, n.cfg.Ref).AddDays(1); inv.Paid.Before(first) {
			inv.Paid = first.AddDays(r.IntN(30))
		}
	}
	if r.IntN(100) < 3 {
		inv.Disputed = inv.Due.AddDays(2)
	}
	return inv
}

// genCredit is one credit note.
type genCredit struct {
	Vendor     int
	Payer      int32
	ExternalID string
	Currency   string
	Amount     int64
	Issue      civil.Date
}

// credit generates credit note k, round robin over vendors and their customers.
func (n *network) credit(k int) genCredit {
	v := k % len(n.vendors)
	cs := n.customers[v]
	if len(cs) == 0 {
		v, cs = 0, n.customers[0]
	}
	r := rng(n.cfg.Seed, kindCredit, uint64(k))
	c := genCredit{Vendor: v, Payer: cs[(k/len(n.vendors))%len(cs)], ExternalID: fmt.Sprintf("CR-%07d", k),
		Currency: n.vendors[v].Currency, Issue: n.cfg.Ref.AddDays(-r.IntN(60))}
	c.Amount = max(1, int64((5+r.Float64()*500)*math.Pow10(money.Digits(c.Currency))))
	return c
}

func maxDate(a, b civil.Date) civil.Date {
	if a.After(b) {
		return a
	}
	return b
}
