package risk

import (
	"errors"
	"math"
)

// fitLogistic fits weights w (intercept first) of P(y=1|x) = σ(w0 + Σ wj xj)
// to rows xs and labels ys by iteratively reweighted least squares (Newton's
// method), with an L2 penalty lambda on every weight but the intercept. The
// rows should be standardised. It is deterministic: the same rows give the
// same weights.
func fitLogistic(xs [][]float64, ys []bool, lambda float64) ([]float64, error) {
	if len(xs) == 0 {
		return nil, errors.New("risk: no rows")
	}
	d := len(xs[0]) + 1
	w := make([]float64, d)
	h := make([]float64, d*d)
	g := make([]float64, d)
	row := make([]float64, d)
	for iter := 0; iter < 30; iter++ {
		clear(h)
		clear(g)
		for i, x := range xs {
			row[0] = 1
			copy(row[1:], x)
			z := 0.0
			for j, v := range row {
				z += w[j] * v
			}
			p := sigmoid(z)
			y := 0.0
			if ys[i] {
				y = 1
			}
			r := y - p
			s := max(p*(1-p), 1e-10)
			for j, vj := range row {
				if vj == 0 {
					continue
				}
				g[j] += r * vj
				sj := s * vj
				hj := h[j*d:]
				for k := j; k < d; k++ {
					hj[k] += sj * row[k]
				}
			}
		}
		for j := 0; j < d; j++ {
			for k := j + 1; k < d; k++ {
				h[k*d+j] = h[j*d+k]
			}
		}
		for j := 1; j < d; j++ {
			g[j] -= lambda * w[j]
			h[j*d+j] += lambda
		}
		step, err := solveSPD(h, g, d)
		if err != nil {
			return nil, err
		}
		change := 0.0
		for j := range w {
			w[j] += step[j]
			change = math.Max(change, math.Abs(step[j]))
		}
		if change < 1e-6 {
			break
		}
	}
	return w, nil
}

// solveSPD solves A x = b for a symmetric positive definite d×d matrix A
// (row-major) by Cholesky decomposition. A is not changed.
func solveSPD(a, b []float64, d int) ([]float64, error) {
	l := make([]float64, d*d)
	for i := 0; i < d; i++ {
		for j := 0; j <= i; j++ {
			s := a[i*d+j]
			for k := 0; k < j; k++ {
				s -= l[i*d+k] * l[j*d+k]
			}
			if i == j {
				if s <= 0 {
					return nil, errors.New("risk: matrix not positive definite")
				}
				l[i*d+i] = math.Sqrt(s)
			} else {
				l[i*d+j] = s / l[j*d+j]
			}
		}
	}
	y := make([]float64, d)
	for i := 0; i < d; i++ {
		s := b[i]
		for k := 0; k < i; k++ {
			s -= l[i*d+k] * y[k]
		}
		y[i] = s / l[i*d+i]
	}
	x := make([]float64, d)
	for i := d - 1; i >= 0; i-- {
		s := y[i]
		for k := i + 1; k < d; k++ {
			s -= l[k*d+i] * x[k]
		}
		x[i] = s / l[i*d+i]
	}
	return x, nil
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}
