package risk

import (
	"cmp"
	"math"
	"slices"

	"github.com/duehub/duehub/civil"
)

// Risk is the estimate for one open invoice.
type Risk struct {
	// Probability that the invoice is paid more than LateDays days late;
	// nil with KindNone.
	Probability *float64 `json:"probability"`
	Level       string   `json:"level"`
	// Reasons are up to three, most telling first, in words.
	Reasons []string `json:"reasons"`
	Model   string   `json:"model"`
}

// P is the probability, 0 when unknown.
func (r Risk) P() float64 {
	if r.Probability == nil {
		return 0
	}
	return *r.Probability
}

// Scorer scores a vendor's open invoices with its model over its history.
type Scorer struct {
	m   Model
	idx map[int64]*customerHistory
}

// NewScorer indexes h for m. h is the vendor's whole history as known now.
func NewScorer(m Model, h History) *Scorer {
	return &Scorer{m: m, idx: index(h)}
}

// Score estimates the risk of inv as of the start of day t.
func (s *Scorer) Score(inv Invoice, t civil.Date) Risk {
	if inv.Due.AddDays(LateDays).Before(t) {
		return known(1, KindOverdue, []string{overdueWords(t.DaysUntil(inv.Due) * -1)})
	}
	c := s.idx[inv.CustomerID]
	p := features(c, inv, t, s.m.Base)
	switch s.m.Kind {
	case KindLogistic:
		return s.logistic(p)
	case KindLateShare:
		if p.paid == 0 {
			return known(s.m.Base, KindLateShare, []string{noHistoryWords, fallbackWords})
		}
		return known(float64(p.late)/float64(p.paid), KindLateShare, []string{lateShareWords(p), fallbackWords})
	}
	return Risk{Level: LevelUnknown, Reasons: []string{noVendorHistoryWords}, Model: KindNone}
}

func known(prob float64, kind string, reasons []string) Risk {
	prob = math.Round(prob*1000) / 1000
	return Risk{Probability: &prob, Level: levelOf(prob), Reasons: reasons, Model: kind}
}

// logistic scores p with the trained weights; the reasons are the three
// groups of features whose contributions (weight × standardised value, from
// the average training row) push hardest in the direction the estimate lies
// from the vendor's late rate.
func (s *Scorer) logistic(p point) Risk {
	w := s.m.Weights
	z := w[0]
	var contrib [numFeatures]float64
	for j, v := range p.x {
		c := w[j+1] * (v - s.m.Mean[j]) / s.m.Scale[j]
		contrib[j] = c
		z += c
	}
	prob := sigmoid(z)
	// Above the vendor's late rate, the reasons are what pushed the
	// estimate up; below it, what pulled it down.
	up := prob >= s.m.Base
	type reason struct {
		group int
		c     float64
	}
	var rs []reason
	for g := range numGroups {
		c := 0.0
		for j := range numFeatures {
			if groupOf[j] == g {
				c += contrib[j]
			}
		}
		if (up && c > 0.01) || (!up && c < -0.01) {
			rs = append(rs, reason{g, math.Abs(c)})
		}
	}
	slices.SortStableFunc(rs, func(a, b reason) int { return cmp.Compare(b.c, a.c) })
	var words []string
	for _, r := range rs[:min(3, len(rs))] {
		words = append(words, wordsFor(r.group, p))
	}
	r := known(prob, KindLogistic, words)
	if r.Reasons == nil {
		r.Reasons = []string{}
	}
	return r
}
