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
	// The row is built in the buffered writer's own free space, unless a
	// row of that size might not fit.
	if w.w.Available() < 4096 {
		if err := w.w.Flush(); err != nil {
			return err
		}
	}
	b := w.w.AvailableBuffer()
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		if plainField(v) {
			b = append(b, v...)
		} else {
			b = appendField(b, v)
		}
	}
	b = append(b, '\r', '\n')
	w.rows++
	_, err := w.w.Write(b)
	return err
}

// plainField reports whether s is written without quotes: it holds no
// comma, quote or line end (needsQuotes), tested eight bytes at a time.
func plainField(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		c := s[i : i+8]
		x := uint64(c[0]) | uint64(c[1])<<8 | uint64(c[2])<<16 | uint64(c[3])<<24 |
			uint64(c[4])<<32 | uint64(c[5])<<40 | uint64(c[6])<<48 | uint64(c[7])<<56
		if zeroByte(x^(ones*','))|zeroByte(x^(ones*'"'))|zeroByte(x^(ones*'\r'))|zeroByte(x^(ones*'\n')) != 0 {
			return false
		}
	}
	return !needsQuotes(s[i:])
}

// ones has 1 in every byte.
const ones = 0x0101010101010101

// zeroByte is not 0 when a byte of x is 0.
func zeroByte(x uint64) uint64 {
	return (x - ones) &^ x & (ones * 0x80)
}
