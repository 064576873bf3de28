package converters

// Values converts one row read from a table into its normalised values,
// exactly as Write would write them: "" for a missing value, ISO dates, dot
// decimals, true/false; strings as read. A value that does not fit its
// field's type is kept as read and counted in invalid. dst is reused when
// large enough. Values and WriteValues may run in two goroutines, one row
// handed from one to the other; Invalid counts what Values found.
func (w *Writer) Values(dst, row []string) (vals []string, invalid int) {
	vals = dst[:0]
	var b []byte
	for i, v := range row {
		if i >= len(w.fields) {
			break
		}
		t := w.fields[i].Type
		if v == "" {
			vals = append(vals, "")
			continue
		}
		if t == TypeString {
			if isMissing(v) || (v[0] <= ' ' || v[len(v)-1] <= ' ') && isMissing(trimSpace(v)) {
				v = ""
			}
			vals = append(vals, v)
			continue
		}
		tv := trimSpace(v)
		if isMissing(tv) {
			vals = append(vals, "")
			continue
		}
		out, ok := appendValue(b[:0], t, tv)
		if !ok {
			invalid++
			w.invalid++
			vals = append(vals, v)
			continue
		}
		if string(out) == tv {
			vals = append(vals, tv) // already normal: no copy
		} else {
			vals = append(vals, string(out))
		}
		b = out
	}
	for len(vals) < len(w.fields) {
		vals = append(vals, "")
	}
	return vals, invalid
}

// WriteValues writes one row of values already normalised by Values.
func (w *Writer) WriteValues(vals []string) error {
	b := w.buf[:0]
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendField(b, v)
	}
	b = append(b, '\r', '\n')
	w.buf = b
	w.rows++
	_, err := w.w.Write(b)
	return err
}
