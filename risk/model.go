package risk

import (
	"math"
	"time"

	"github.com/duehub/duehub/civil"
)

// What a risk was computed with (Risk.Model, Model.Kind).
const (
	// KindLogistic is the vendor's trained logistic regression.
	KindLogistic = "logistic_regression"
	// KindLateShare is the fallback when the vendor has too little history
	// for a model: the customer's share of payments more than LateDays
	// late (the vendor's share for a customer with none).
	KindLateShare = "customer_late_share"
	// KindOverdue is an invoice already more than LateDays overdue: late
	// whatever the model says.
	KindOverdue = "already_late"
	// KindNone is a vendor with no payment history at all.
	KindNone = "no_history"
)

// Levels of a risk.
const (
	LevelHigh    = "high"
	LevelMedium  = "medium"
	LevelLow     = "low"
	LevelUnknown = "unknown"
)

// levelOf is the level of probability p: high from 0.6, medium from 0.3.
func levelOf(p float64) string {
	switch {
	case p >= 0.6:
		return LevelHigh
	case p >= 0.3:
		return LevelMedium
	}
	return LevelLow
}

// The least history a model is trained on: labelled invoices, and late and
// on-time ones among them. Below it the vendor falls back to late shares.
const (
	MinExamples = 200
	MinEach     = 20
)

// lambda is the L2 penalty on the standardised weights.
const lambda = 1.0

// Model is one vendor's trained model. It is stored as JSON.
type Model struct {
	Kind string `json:"kind"`
	// Base is the share of the vendor's labelled invoices paid late.
	Base float64 `json:"base"`
	// Mean and Scale standardise a feature vector; Weights has the
	// intercept first. Empty for KindLateShare and KindNone.
	Mean    []float64 `json:"mean,omitempty"`
	Scale   []float64 `json:"scale,omitempty"`
	Weights []float64 `json:"weights,omitempty"`
	// Invoices and Late count the labelled invoices; Examples the rows
	// trained on (an invoice gives one row per snapshot it was open at).
	Invoices  int       `json:"invoices"`
	Late      int       `json:"late"`
	Examples  int       `json:"examples"`
	TrainedAt time.Time `json:"trained_at"`
	AsOf      string    `json:"as_of"`
}

// snapshots are the days, relative to the due date, an invoice is looked at
// in training (besides its issue day): the model learns how risk changes as
// the due date comes and goes.
var snapshots = []int{-7, 0, 4}

// Train fits the vendor's model on history h as known at the start of day
// asOf. Only invoices due more than LateDays days before asOf are labelled,
// so that every label is final (paid on time, or late either way) and
// recent invoices paid early are not over-represented. With too little
// history the model is a KindLateShare fallback.
func Train(h History, asOf civil.Date, now time.Time) Model {
	m := Model{TrainedAt: now.UTC(), AsOf: asOf.String()}
	var labelled []Invoice
	var late []bool
	for _, inv := range h.Invoices {
		if inv.Due.IsZero() || !inv.Due.AddDays(LateDays).Before(asOf) || inv.Issue.After(asOf) {
			continue
		}
		l, ok := inv.Label(asOf)
		if !ok {
			continue
		}
		labelled = append(labelled, inv)
		late = append(late, l)
		if l {
			m.Late++
		}
	}
	m.Invoices = len(labelled)
	if m.Invoices == 0 {
		m.Kind = KindNone
		return m
	}
	m.Base = float64(m.Late) / float64(m.Invoices)
	if m.Invoices < MinExamples || m.Late < MinEach || m.Invoices-m.Late < MinEach {
		m.Kind = KindLateShare
		return m
	}
	idx := index(maskAfter(h, asOf))
	var xs [][]float64
	var ys []bool
	for i, inv := range labelled {
		c := idx[inv.CustomerID]
		days := make([]civil.Date, 0, len(snapshots)+1)
		if !inv.Issue.IsZero() && inv.Due.AddDays(-7).Before(inv.Issue) {
			days = append(days, inv.Issue)
		}
		for _, s := range snapshots {
			t := inv.Due.AddDays(s)
			if (inv.Issue.IsZero() || t.After(inv.Issue)) && t.Before(asOf) {
				days = append(days, t)
			}
		}
		for _, t := range days {
			if !inv.openOn(t) {
				continue
			}
			p := features(c, inv, t, m.Base)
			xs = append(xs, p.x[:])
			ys = append(ys, late[i])
		}
	}
	m.Examples = len(xs)
	m.Mean, m.Scale = standardise(xs)
	w, err := fitLogistic(xs, ys, lambda)
	if err != nil {
		m.Kind = KindLateShare
		m.Mean, m.Scale = nil, nil
		return m
	}
	m.Kind, m.Weights = KindLogistic, w
	return m
}

// maskAfter is h as known at the start of day asOf: payments on or after it
// not yet made, invoices issued after it not yet there.
func maskAfter(h History, asOf civil.Date) History {
	out := History{Invoices: make([]Invoice, 0, len(h.Invoices))}
	for _, inv := range h.Invoices {
		if inv.Issue.After(asOf) {
			continue
		}
		if !inv.Paid.IsZero() && !inv.Paid.Before(asOf) {
			inv.Paid = civil.Date{}
		}
		out.Invoices = append(out.Invoices, inv)
	}
	for _, d := range h.Disputes {
		if d.From.Before(asOf) {
			if !d.To.IsZero() && !d.To.Before(asOf) {
				d.To = civil.Date{}
			}
			out.Disputes = append(out.Disputes, d)
		}
	}
	for _, b := range h.Broken {
		if b.At.Before(asOf) {
			out.Broken = append(out.Broken, b)
		}
	}
	return out
}

// standardise centres and scales xs in place and returns the means and
// scales it used (a constant feature keeps scale 1).
func standardise(xs [][]float64) (mean, scale []float64) {
	d := numFeatures
	mean, scale = make([]float64, d), make([]float64, d)
	n := float64(len(xs))
	for _, x := range xs {
		for j, v := range x {
			mean[j] += v / n
		}
	}
	for _, x := range xs {
		for j, v := range x {
			scale[j] += (v - mean[j]) * (v - mean[j]) / n
		}
	}
	for j := range scale {
		scale[j] = math.Sqrt(scale[j])
		if scale[j] < 1e-9 {
			scale[j] = 1
		}
	}
	for _, x := range xs {
		for j := range x {
			x[j] = (x[j] - mean[j]) / scale[j]
		}
	}
	return mean, scale
}
