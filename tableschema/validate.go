package tableschema

import (
	"io"
	"strconv"

	"github.com/passerelle/passerelle/converters"
)

// Validate checks every row of r against s with the default settings and
// returns the report. r is read to its end but not closed. When the file
// turns out damaged part way, the report of the rows read so far comes
// with the reader's error. With more than one CPU, reading and checking
// run on two goroutines (see Pipe).
func Validate(s *Schema, r *converters.Reader) (*Report, error) {
	v := NewReaderValidator(s, r)
	if !parallel() {
		err := v.ReadAll(r)
		return v.Report(), err
	}
	p := v.Pipe()
	r.ReuseRecord = true
	for {
		row, err := r.Read()
		if err == io.EOF {
			return p.Close(), nil
		}
		if err != nil {
			return p.Close(), err
		}
		p.Row(r.Line(), row)
	}
}

// NewReaderValidator returns a validator for the table r reads: its
// header, its header line, and the column_N names the converters give to
// columns without a label counted as blank labels.
func NewReaderValidator(s *Schema, r *converters.Reader) *Validator {
	v := NewValidator(s, r.Header())
	v.HeaderLine = r.HeaderLine()
	v.BlankLabel = func(i int, label string) bool {
		return label == "" || label == "column_"+strconv.Itoa(i+1)
	}
	return v
}

// ReadAll checks the rows r returns until io.EOF.
func (v *Validator) ReadAll(r *converters.Reader) error {
	r.ReuseRecord = true
	for {
		row, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		v.Row(r.Line(), row)
	}
}
