package main

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/passerelle/passerelle/converters"
)

type inspectCmd struct {
	File   string `arg:"" help:"CSV, TSV, TXT, XLSX or ODS file to inspect."`
	Format string `help:"Output format: text or json." default:"text" enum:"text,json"`
}

// Run prints what the converters find in the file; a file that cannot be
// read as a table is an error whose message is a plain sentence.
func (c *inspectCmd) Run(e *env) error {
	rep, err := converters.Inspect(c.File, converters.Options{})
	if err != nil {
		return c.explain(err)
	}
	if c.Format == "json" {
		return rep.WriteJSON(e.stdout)
	}
	return rep.WriteText(e.stdout)
}

// explain turns a file the converters cannot read into a plain sentence.
func (c *inspectCmd) explain(err error) error {
	if ce, ok := converters.AsError(err); ok {
		return fmt.Errorf("%s: %s", c.File, ce.Msg)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: no such file", c.File)
	}
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("%s: permission denied", c.File)
	}
	return fmt.Errorf("read %s: %w", c.File, err)
}
