package risk

import (
	"cmp"
	"slices"
)

// AUC is the area under the ROC curve of probabilities ps for outcomes ys:
// the chance that a late invoice scores above an on-time one (ties count
// half). 0.5 is no better than a coin.
func AUC(ps []float64, ys []bool) float64 {
	type pair struct {
		p float64
		y bool
	}
	xs := make([]pair, len(ps))
	for i := range ps {
		xs[i] = pair{ps[i], ys[i]}
	}
	slices.SortFunc(xs, func(a, b pair) int { return cmp.Compare(a.p, b.p) })
	var pos, neg, rankSum float64
	for i := 0; i < len(xs); {
		j := i
		for j < len(xs) && xs[j].p == xs[i].p {
			j++
		}
		rank := float64(i+j+1) / 2 // mean 1-based rank of the tie group
		for k := i; k < j; k++ {
			if xs[k].y {
				pos++
				rankSum += rank
			} else {
				neg++
			}
		}
		i = j
	}
	if pos == 0 || neg == 0 {
		return 0.5
	}
	return (rankSum - pos*(pos+1)/2) / (pos * neg)
}

// Brier is the mean squared difference between probabilities and outcomes.
func Brier(ps []float64, ys []bool) float64 {
	if len(ps) == 0 {
		return 0
	}
	s := 0.0
	for i, p := range ps {
		y := 0.0
		if ys[i] {
			y = 1
		}
		s += (p - y) * (p - y)
	}
	return s / float64(len(ps))
}

// Bin is one bin of a calibration table.
type Bin struct {
	From      float64 `json:"from"`
	To        float64 `json:"to"`
	N         int     `json:"n"`
	Predicted float64 `json:"predicted"` // mean probability in the bin
	Observed  float64 `json:"observed"`  // share that was late
}

// Calibration puts the probabilities in 10 equal bins of [0, 1] and
// compares the mean prediction of each with the share observed late.
func Calibration(ps []float64, ys []bool) []Bin {
	bins := make([]Bin, 10)
	for i := range bins {
		bins[i].From, bins[i].To = float64(i)/10, float64(i+1)/10
	}
	for i, p := range ps {
		b := min(9, max(0, int(p*10)))
		bins[b].N++
		bins[b].Predicted += p
		if ys[i] {
			bins[b].Observed++
		}
	}
	for i := range bins {
		if n := float64(bins[i].N); n > 0 {
			bins[i].Predicted /= n
			bins[i].Observed /= n
		}
	}
	return bins
}
