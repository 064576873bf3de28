package api

import (
	"fmt"
	"html"
	"html/template"
	"strconv"
	"strings"

	"github.com/passerelle/passerelle/catalog"
)

// columnView is one column of a table with its profile, as the dataset
// page lists it.
type columnView struct {
	Label, ID, Type string
	Fill            string // fill rate, "87 %"
	Distinct        string // "12", "plus de 5 000"
	Min, Max        string
	Histogram       *histogramView
}

// histogramView is a small bar chart drawn as inline SVG, with the same
// figures in text for those who do not see it.
type histogramView struct {
	Title string // the chart's summary, its accessible name
	Bars  []barView
	W, H  int
	// Rects and Items are the bars as SVG and as list items, written
	// here rather than by the template: a page shows hundreds of them.
	Rects, Items template.HTML
}

type barView struct {
	X, Y, W, H string // SVG coordinates
	Lo, Hi     string
	Count      string
}

// Histogram geometry, in SVG user units.
const (
	histWidth  = 160
	histHeight = 40
)

// columnViews lists a table's columns with their profile.
func columnViews(t catalog.IngestTable, l lang) []columnView {
	profiles := make(map[string]*catalog.FieldProfile, len(t.Profile))
	for i := range t.Profile {
		profiles[t.Profile[i].Field] = &t.Profile[i]
	}
	out := make([]columnView, 0, len(t.Fields))
	for _, f := range t.Fields {
		label := f.Label
		if label == "" {
			label = f.ID
		}
		cv := columnView{Label: label, ID: f.ID, Type: l.ColumnType(f.Type), Fill: "–", Distinct: "–", Min: "–", Max: "–"}
		if p, ok := profiles[f.ID]; ok {
			if t.Rows > 0 {
				cv.Fill = strconv.FormatFloat(float64(p.Filled)*100/float64(t.Rows), 'f', 0, 64) + "\u00a0%"
			}
			if p.Distinct > 0 || p.Filled == 0 {
				cv.Distinct = l.Int(p.Distinct)
				if p.DistinctCapped {
					cv.Distinct = l.T("col_more_than") + " " + cv.Distinct
				}
			}
			if p.Min != "" {
				cv.Min = l.value(p.Min, f.Type)
			}
			if p.Max != "" {
				cv.Max = l.value(p.Max, f.Type)
			}
			if len(p.Histogram) > 0 {
				cv.Histogram = histogram(label, p, f.Type, l)
			}
		}
		out = append(out, cv)
	}
	return out
}

// value writes a normalised value of a column as people read it: decimal
// comma in French.
func (l lang) value(v, typ string) string {
	if typ == catalog.DatastoreNumeric {
		return l.number(v)
	}
	return v
}

// histogram lays out the bars of a column's histogram.
func histogram(label string, p *catalog.FieldProfile, typ string, l lang) *histogramView {
	var top int64
	for _, b := range p.Histogram {
		top = max(top, b.Count)
	}
	n := len(p.Histogram)
	hv := &histogramView{W: histWidth, H: histHeight}
	bw := float64(histWidth) / float64(n)
	mode := 0
	for i, b := range p.Histogram {
		h := 0.0
		if top > 0 {
			h = float64(b.Count) / float64(top) * histHeight
		}
		if b.Count > 0 && h < 1 {
			h = 1 // a bin with values stays visible
		}
		if b.Count > p.Histogram[mode].Count {
			mode = i
		}
		hv.Bars = append(hv.Bars, barView{
			X: fmtCoord(float64(i) * bw), W: fmtCoord(max(bw-1, 0.5)),
			Y: fmtCoord(histHeight - h), H: fmtCoord(h),
			Lo: l.value(b.Lo, typ), Hi: l.value(b.Hi, typ), Count: l.Int(b.Count),
		})
	}
	var rects, items strings.Builder
	for _, b := range hv.Bars {
		fmt.Fprintf(&rects, `<rect x="%s" y="%s" width="%s" height="%s"></rect>`, b.X, b.Y, b.W, b.H)
		fmt.Fprintf(&items, "<li>%s – %s : %s</li>", html.EscapeString(b.Lo), html.EscapeString(b.Hi), html.EscapeString(b.Count))
	}
	hv.Rects, hv.Items = template.HTML(rects.String()), template.HTML(items.String())
	m := hv.Bars[mode]
	values := l.T("hist_values")
	if p.Histogram[mode].Count == 1 {
		values = l.T("hist_value")
	}
	hv.Title = l.T("hist_title") + " " + label + " : " + strconv.Itoa(n) + " " + l.T("hist_bins") + " " +
		l.T("hist_from") + " " + hv.Bars[0].Lo + " " + l.T("hist_to") + " " + hv.Bars[n-1].Hi + " ; " +
		l.T("hist_mode") + " " + m.Lo + " – " + m.Hi + " (" + m.Count + " " + values + ")"
	if l.Code == "en" {
		hv.Title = strings.Replace(strings.Replace(hv.Title, " : ", ": ", 1), " ; ", "; ", 1)
	}
	return hv
}

func fmtCoord(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }
