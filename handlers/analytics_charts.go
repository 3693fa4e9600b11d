package handlers

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// Charts of the vendor analytics page, drawn as inline SVG on the server:
// no script, no image requests (the pages' CSP allows neither). Each chart
// is a picture of the table printed beside it, which is what screen
// readers read; the SVG carries a short name for itself.

// chartPalette is distinguishable in grey scale and for the common colour
// blindnesses (Okabe–Ito), dark enough for 3:1 against white.
var chartPalette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#7A6A00", "#56B4E9"}

const (
	chartW     = 360
	chartInk   = "#1f2933"
	chartMuted = "#52606d"
	chartLine  = "#d9e2ec"
)

type svgBuilder struct{ strings.Builder }

func (b *svgBuilder) f(format string, args ...any) { fmt.Fprintf(&b.Builder, format, args...) }

func esc(s string) string { return template.HTMLEscapeString(s) }

func (b *svgBuilder) open(id, label string, h int) {
	b.f(`<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t" xmlns="http://www.w3.org/2000/svg">`, chartW, h, id)
	b.f(`<title id="%s-t">%s</title>`, id, esc(label))
}

func (b *svgBuilder) html() template.HTML {
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every text in it went through esc
}

// hbar draws one horizontal bar per label, longest = largest value.
func hbarChart(id, label string, labels []string, values []float64, format func(float64) string) template.HTML {
	if len(values) == 0 {
		return ""
	}
	const row, labelW = 26, 130
	var b svgBuilder
	b.open(id, label, len(values)*row+8)
	top := maxOf(values)
	for i, v := range values {
		y := 4 + i*row
		w := 0.0
		if top > 0 {
			w = v / top * float64(chartW-labelW-70)
		}
		b.f(`<text x="%d" y="%d" font-size="12" text-anchor="end" fill="%s">%s</text>`, labelW-6, y+16, chartInk, esc(clip(labels[i], 20)))
		b.f(`<rect x="%d" y="%d" width="%.1f" height="18" fill="%s"/>`, labelW, y+3, math.Max(w, 1), chartPalette[0])
		b.f(`<text x="%.1f" y="%d" font-size="12" fill="%s">%s</text>`, float64(labelW)+w+4, y+16, chartInk, esc(format(v)))
	}
	return b.html()
}

// vbarChart draws one vertical bar per label (months), with a zero line.
func vbarChart(id, label string, labels []string, values []float64, format func(float64) string) template.HTML {
	if len(values) == 0 {
		return ""
	}
	const h, base, left = 180, 150, 8
	var b svgBuilder
	b.open(id, label, h)
	top := maxOf(values)
	slot := float64(chartW-2*left) / float64(len(values))
	bw := math.Min(slot*0.7, 48)
	b.f(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s"/>`, left, base, chartW-left, base, chartMuted)
	for i, v := range values {
		x := float64(left) + slot*float64(i) + (slot-bw)/2
		bh := 0.0
		if top > 0 {
			bh = v / top * 120
		}
		b.f(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x, float64(base)-bh, bw, bh, chartPalette[0])
		b.f(`<text x="%.1f" y="%.1f" font-size="11" text-anchor="middle" fill="%s">%s</text>`, x+bw/2, float64(base)-bh-4, chartInk, esc(format(v)))
		if len(values) <= 12 || i%2 == 0 {
			b.f(`<text x="%.1f" y="%d" font-size="11" text-anchor="middle" fill="%s">%s</text>`, x+bw/2, base+16, chartMuted, esc(shortMonth(labels[i])))
		}
	}
	return b.html()
}

// lineChart draws values (per cent, 0–100) by month as a line with dots.
func lineChart(id, label string, labels []string, values []float64) template.HTML {
	if len(values) == 0 {
		return ""
	}
	const h, base, left, right = 180, 150, 34, 14
	var b svgBuilder
	b.open(id, label, h)
	for _, p := range []float64{0, 50, 100} {
		y := float64(base) - p*1.2
		b.f(`<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s"/>`, left, y, chartW-right, y, chartLine)
		b.f(`<text x="%d" y="%.1f" font-size="11" text-anchor="end" fill="%s">%.0f%%</text>`, left-4, y+4, chartMuted, p)
	}
	step := 0.0
	if len(values) > 1 {
		step = float64(chartW-left-right-20) / float64(len(values)-1)
	}
	var pts []string
	for i, v := range values {
		x, y := float64(left+10)+step*float64(i), float64(base)-v*1.2
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
		b.f(`<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"/>`, x, y, chartPalette[1])
		if len(values) <= 12 || i%2 == 0 {
			b.f(`<text x="%.1f" y="%d" font-size="11" text-anchor="middle" fill="%s">%s</text>`, x, base+16, chartMuted, esc(shortMonth(labels[i])))
		}
	}
	b.f(`<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`, strings.Join(pts, " "), chartPalette[1])
	return b.html()
}

// stackSegment is one part of a stacked bar.
type stackSegment struct {
	Label string
	Value float64
}

// stackedBar draws one 100 % bar split into segments, with a legend.
func stackedBar(id, label string, segs []stackSegment) template.HTML {
	var total float64
	for _, s := range segs {
		total += s.Value
	}
	if total == 0 {
		return ""
	}
	rows := (len(segs) + 2) / 3
	var b svgBuilder
	b.open(id, label, 44+rows*20)
	x := 8.0
	for i, s := range segs {
		w := s.Value / total * float64(chartW-16)
		b.f(`<rect x="%.1f" y="6" width="%.1f" height="26" fill="%s"/>`, x, w, chartPalette[i%len(chartPalette)])
		x += w
	}
	for i, s := range segs {
		lx, ly := 8+(i%3)*118, 50+(i/3)*20
		b.f(`<rect x="%d" y="%d" width="12" height="12" fill="%s"/>`, lx, ly-10, chartPalette[i%len(chartPalette)])
		b.f(`<text x="%d" y="%d" font-size="12" fill="%s">%s %.0f%%</text>`, lx+16, ly, chartInk, esc(s.Label), s.Value/total*100)
	}
	return b.html()
}

func maxOf(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		m = math.Max(m, x)
	}
	return m
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// shortMonth turns 2026-11 into Nov 26.
func shortMonth(m string) string {
	names := []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	var y, mo int
	if _, err := fmt.Sscanf(m, "%d-%d", &y, &mo); err != nil || mo < 1 || mo > 12 {
		return m
	}
	return fmt.Sprintf("%s %02d", names[mo-1], y%100)
}
