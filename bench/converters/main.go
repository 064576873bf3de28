// Command converters times the converters package on one file, for
// bench/converters.sh, which compares it with reference tools.
//
//	converters -mode inspect FILE                  # sniff + type inference pass
//	converters -mode inspect -schema s.json FILE   # … and save the schema
//	converters -mode normalize -schema s.json -out o.csv FILE   # normalising pass
//	converters -mode convert -out o.csv FILE       # both passes: file → normalised CSV
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/passerelle/passerelle/converters"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "converters:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("converters", flag.ContinueOnError)
	mode := fs.String("mode", "inspect", "inspect, normalize or convert")
	schemaPath := fs.String("schema", "", "inspect: write the schema there; normalize: read it from there")
	out := fs.String("out", "", "normalised CSV output (normalize, convert)")
	sheet := fs.Int("sheet", 0, "sheet index")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: converters [-mode inspect|normalize|convert] [-schema F] [-out F] FILE")
	}
	path := fs.Arg(0)
	start := time.Now()
	f, err := converters.Open(path, converters.Options{})
	if err != nil {
		return err
	}
	defer f.Close()
	var schema *converters.Schema
	rows := 0
	if *mode == "inspect" || *mode == "convert" {
		r, err := f.Table(*sheet)
		if err != nil {
			return err
		}
		r.ReuseRecord = true
		in := converters.NewInferrer(r.Header(), r.Names())
		for {
			row, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			in.Add(row)
		}
		rows = r.Rows()
		r.Close()
		schema = in.Schema()
		if *schemaPath != "" && *mode == "inspect" {
			b, _ := json.Marshal(schema)
			if err := os.WriteFile(*schemaPath, b, 0o644); err != nil {
				return err
			}
		}
	}
	if *mode == "normalize" {
		b, err := os.ReadFile(*schemaPath)
		if err != nil {
			return err
		}
		schema = new(converters.Schema)
		if err := json.Unmarshal(b, schema); err != nil {
			return err
		}
	}
	if *mode == "normalize" || *mode == "convert" {
		w := io.Discard
		if *out != "" {
			of, err := os.Create(*out)
			if err != nil {
				return err
			}
			defer of.Close()
			w = of
		}
		r, err := f.Table(*sheet)
		if err != nil {
			return err
		}
		if rows, err = converters.Normalize(w, r, schema); err != nil {
			return err
		}
		r.Close()
	}
	st, _ := os.Stat(path)
	el := time.Since(start).Seconds()
	mb := float64(st.Size()) / 1e6
	fmt.Printf("converters mode=%s rows=%d file_MB=%.1f secs=%.3f MB/s=%.1f rows/s=%.0f\n", *mode, rows, mb, el, mb/el, float64(rows)/el)
	return nil
}
