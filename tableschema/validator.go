package tableschema

import (
	"hash/maphash"
	"slices"
	"strconv"
	"strings"
)

// The codes of Issue, as frictionless and Validata name them.
const (
	CodeTypeError        = "type-error"        // the value is not of the field's type or format
	CodeConstraintError  = "constraint-error"  // the value breaks a constraint (Issue.Constraint)
	CodeUniqueError      = "unique-error"      // a unique field repeats a value
	CodePrimaryKeyError  = "primary-key-error" // the primary key repeats values
	CodeMissingLabel     = "missing-label"     // a field has no column (an error when required)
	CodeExtraLabel       = "extra-label"       // a column is not in the schema (warning)
	CodeDuplicateLabel   = "duplicate-label"   // two columns have the same label
	CodeBlankLabel       = "blank-label"       // a column has no label
	CodeIncorrectLabel   = "incorrect-label"   // a label differs from its field's name (read through the mapping)
	CodeDisorderedHeader = "disordered-header" // columns are not in the schema's order (warning)
	CodeMissingCell      = "missing-cell"      // a row has fewer cells than the header
	CodeExtraCell        = "extra-cell"        // a row has more cells than the header
	CodeBlankRow         = "blank-row"         // a row holds no value
	CodeDuplicateRow     = "duplicate-row"     // a row repeats an earlier one
)

// DefaultMaxErrors is how many errors a report lists unless
// Validator.MaxErrors says otherwise.
const DefaultMaxErrors = 1000

// maxValue bounds the value copied into an issue.
const maxValue = 200

// Validator checks a table against a schema one row at a time: build it
// with the header, call Row for each data row, then Report. Set the
// exported fields before the first call to Row. A Validator is not safe
// for concurrent use.
type Validator struct {
	// MaxErrors is how many errors and warnings the report lists (each);
	// counts go on. Default DefaultMaxErrors.
	MaxErrors int
	// DuplicateRows reports rows equal to an earlier one; on by default.
	// It keeps a hash per row.
	DuplicateRows bool
	// ExactLabels turns off the mapping of labels that differ from field
	// names by case, accents, spacing or punctuation, or equal a title.
	ExactLabels bool
	// HeaderLine is the line or row of the header, given to label issues
	// (Validate sets it from the reader).
	HeaderLine int
	// BlankLabel tells whether the label of column i stands for an empty
	// header cell; nil means an empty or white-space label.
	BlankLabel func(i int, label string) bool

	schema  *Schema
	header  []string
	started bool
	comp    *compiled
	match   *headerMatch
	cols    []colCheck
	rows    int

	errs, warns   []Issue
	errCount      map[string]int
	warnCount     map[string]int
	nErrs, nWarns int
	unique        map[int]*hashLog // by field index
	pk            *hashLog
	pkKeys        []uint64 // the primary key's hashes in the current row
	pkHave        uint64   // which of them the row has (a bit each)
	pkMissing     int      // how many key fields the row leaves empty
	dups          *hashLog
	rowSeed       uint64
	fails         []failure
	custom        []customCheck
}

// colCheck is a file column that is read as a field.
type colCheck struct {
	col int
	fc  *fieldCheck
}

// NewValidator returns a validator of tables with the given header (labels
// as found in the file) against s.
func NewValidator(s *Schema, header []string) *Validator {
	return &Validator{
		MaxErrors:     DefaultMaxErrors,
		DuplicateRows: true,
		schema:        s,
		header:        append([]string(nil), header...),
	}
}

// start matches the header, reports what it finds and compiles the
// fields.
func (v *Validator) start() {
	v.started = true
	if v.MaxErrors <= 0 {
		v.MaxErrors = DefaultMaxErrors
	}
	v.errCount, v.warnCount = map[string]int{}, map[string]int{}
	v.rowSeed = maphash.Comparable(maphash.MakeSeed(), 0)
	v.comp = compile(v.schema)
	blank := v.BlankLabel
	if blank == nil {
		blank = func(_ int, l string) bool { return strings.TrimSpace(l) == "" }
	}
	v.match = matchHeader(v.header, v.schema.Fields, v.ExactLabels, blank)
	v.headerIssues()
	v.startCustom()
	v.unique = map[int]*hashLog{}
	for c, f := range v.match.colField {
		if f < 0 {
			continue
		}
		fc := v.comp.fields[f]
		v.cols = append(v.cols, colCheck{col: c, fc: fc})
		if fc.unique {
			v.unique[f] = &hashLog{}
		}
	}
	// The primary key is checked when all its fields have a column (and
	// it is not too long for the bit set of pkHave).
	pkOK := len(v.comp.pk) > 0 && len(v.comp.pk) <= 64
	for _, f := range v.comp.pk {
		if v.match.fieldCol[f] < 0 {
			pkOK = false
		}
	}
	if pkOK {
		v.pk = &hashLog{}
		v.pkKeys = make([]uint64, len(v.comp.pk))
	} else {
		for _, fc := range v.comp.fields {
			fc.pkPos, fc.needKey = -1, fc.unique
		}
	}
	if v.DuplicateRows {
		v.dups = &hashLog{}
	}
}

// add records an issue: counted always, listed up to MaxErrors.
func (v *Validator) add(warning bool, is Issue) {
	if warning {
		v.nWarns++
		v.warnCount[is.Code]++
		if len(v.warns) < v.MaxErrors {
			v.warns = append(v.warns, is)
		}
		return
	}
	v.nErrs++
	v.errCount[is.Code]++
	if len(v.errs) < v.MaxErrors {
		v.errs = append(v.errs, is)
	}
}

// full reports whether no more errors will be listed, so that building
// their messages can be skipped.
func (v *Validator) full() bool { return len(v.errs) >= v.MaxErrors }

// Row checks one data row. line is the row's line (text) or row (sheet)
// number as the file shows it, used in messages; 0 numbers rows from the
// header on. cells is not kept.
func (v *Validator) Row(line int, cells []string) {
	if !v.started {
		v.start()
	}
	v.rows++
	if line <= 0 {
		line = max(v.HeaderLine, 1) + v.rows
	}
	if v.blank(cells) {
		v.errCount[CodeBlankRow]++
		v.nErrs++
		if !v.full() {
			v.errs = append(v.errs, blankRowIssue(line))
		}
		return
	}
	if len(cells) != len(v.header) {
		v.cellCount(line, cells)
	}
	v.pkHave, v.pkMissing = 0, 0
	for _, cc := range v.cols {
		if cc.col >= len(cells) {
			continue // reported as a missing cell
		}
		v.cell(line, cc, cells[cc.col])
	}
	if v.pk != nil && v.pkMissing == len(v.pkKeys) {
		// frictionless: a primary key must have a value.
		v.nErrs++
		v.errCount[CodePrimaryKeyError]++
		if !v.full() {
			v.errs = append(v.errs, v.emptyKeyIssue(line))
		}
	} else if v.pk != nil && v.pkHave == 1<<len(v.pkKeys)-1 {
		// Rows whose key has a missing or invalid value are left to the
		// cell checks.
		h := uint64(0x9e3779b97f4a7c15)
		for i, k := range v.pkKeys {
			h = mix(h ^ k + uint64(i))
		}
		v.pk.add(h, line)
	}
	if v.custom != nil {
		v.runCustom(line, cells)
	}
	if v.dups != nil {
		v.dups.add(rowHash(v.rowSeed, cells), line)
	}
}

// blank reports whether a row holds only missing values.
func (v *Validator) blank(cells []string) bool {
	for _, c := range cells {
		if c == "" {
			continue
		}
		if strings.TrimSpace(c) == "" {
			continue
		}
		if !containsString(v.schema.MissingValues, c) {
			return false
		}
	}
	return true
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// cellCount reports cells missing from, or beyond, the header.
func (v *Validator) cellCount(line int, cells []string) {
	if len(cells) < len(v.header) {
		for c := len(cells); c < len(v.header); c++ {
			f := v.match.colField[c]
			if f < 0 {
				continue
			}
			v.add(false, v.cellCountIssue(CodeMissingCell, line, c, v.schema.Fields[f].Name, ""))
		}
		return
	}
	for c := len(v.header); c < len(cells); c++ {
		if cells[c] == "" {
			continue
		}
		v.add(false, v.cellCountIssue(CodeExtraCell, line, c, "", cells[c]))
	}
}

// cell checks one cell.
func (v *Validator) cell(line int, cc colCheck, s string) {
	fc := cc.fc
	if fc.onlyEmpty && s == "" || !fc.onlyEmpty && fc.isMissing(s) {
		if fc.pkPos >= 0 {
			v.pkMissing++
		}
		if fc.required {
			v.cellFailure(line, cc, s, failure{code: CodeConstraintError, constraint: "required"})
		}
		return
	}
	if fc.fast != nil {
		if k, ok := fc.fast(fc, s); ok {
			if fc.needKey {
				v.keep(fc, k, line)
			}
			return
		}
	}
	fails, val, ok := fc.check(s, v.fails[:0])
	v.fails = fails
	for _, f := range fails {
		v.cellFailure(line, cc, s, f)
	}
	if ok && fc.needKey {
		v.keep(fc, fc.key(val), line)
	}
}

// keep records the hash of a valid value for unique and primary key
// checks.
func (v *Validator) keep(fc *fieldCheck, k uint64, line int) {
	if fc.unique {
		v.unique[fc.index].add(k, line)
	}
	if fc.pkPos >= 0 {
		v.pkKeys[fc.pkPos] = k
		v.pkHave |= 1 << fc.pkPos
	}
}

func (v *Validator) cellFailure(line int, cc colCheck, s string, f failure) {
	v.nErrs++
	v.errCount[f.code]++
	if !v.full() {
		v.errs = append(v.errs, v.cellIssue(line, cc, s, f))
	}
}

// Report returns the verdict so far; it may be called again after more
// rows. Repeated values (unique, primary key) and duplicate rows are
// found here, by sorting the hashes kept for them.
func (v *Validator) Report() *Report {
	if !v.started {
		v.start()
	}
	counts := copyCounts(v.errCount)
	late := v.lateIssues(counts)
	nErrs := v.nErrs + len(late)
	errs := mergeIssues(v.errs, late, v.MaxErrors)
	r := &Report{
		Valid:        nErrs == 0,
		Schema:       SchemaInfo{ID: v.schema.ID, Name: v.schema.Name, Title: v.schema.Title, Version: v.schema.Version, Path: v.schema.Path},
		Rows:         v.rows,
		HeaderLine:   v.HeaderLine,
		Columns:      append([]Column(nil), v.match.columns...),
		ErrorCount:   nErrs,
		WarningCount: v.nWarns,
		ErrorCounts:  counts,
		Errors:       errs,
		Warnings:     append([]Issue{}, v.warns...),
		Truncated:    nErrs > len(errs) || v.nWarns > len(v.warns),
		Unsupported:  append([]Note(nil), v.schema.Unsupported...),
	}
	if len(v.warnCount) > 0 {
		r.WarningCounts = copyCounts(v.warnCount)
	}
	for _, c := range v.match.columns {
		if c.Match == MatchNormalized || c.Match == MatchTitle {
			if r.Mapping == nil {
				r.Mapping = map[string]string{}
			}
			r.Mapping[c.Label] = c.Field
		}
	}
	return r
}

// lateIssues finds the repeats: unique values, primary keys, duplicate
// rows. It counts them in counts and returns them sorted by row.
func (v *Validator) lateIssues(counts map[string]int) []Issue {
	var late []Issue
	for _, cc := range v.cols {
		log := v.unique[cc.fc.index]
		if log == nil {
			continue
		}
		for _, rp := range log.repeats() {
			counts[CodeUniqueError]++
			late = append(late, v.uniqueIssue(rp.row, cc, rp.first))
		}
	}
	if v.pk != nil {
		for _, rp := range v.pk.repeats() {
			counts[CodePrimaryKeyError]++
			late = append(late, v.primaryKeyIssue(rp.row, rp.first))
		}
	}
	if v.dups != nil {
		for _, rp := range v.dups.repeats() {
			counts[CodeDuplicateRow]++
			late = append(late, duplicateRowIssue(rp.row, rp.first))
		}
	}
	slices.SortStableFunc(late, func(a, b Issue) int {
		if a.Row != b.Row {
			return a.Row - b.Row
		}
		return a.Column - b.Column
	})
	return late
}

// mergeIssues merges errors found row by row (header ones first) with
// late ones, by row, and keeps the first max. Each list holds every error
// up to its last row, so the result is the first max errors of the file.
func mergeIssues(early, late []Issue, max int) []Issue {
	out := make([]Issue, 0, min(max, len(early)+len(late)))
	i, j := 0, 0
	for len(out) < max && (i < len(early) || j < len(late)) {
		if j == len(late) || i < len(early) && early[i].Row <= late[j].Row {
			out = append(out, early[i])
			i++
		} else {
			out = append(out, late[j])
			j++
		}
	}
	return out
}

func copyCounts(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, n := range m {
		if n > 0 {
			out[k] = n
		}
	}
	return out
}

// headerIssues reports what the header match found, as Validata does.
func (v *Validator) headerIssues() {
	h := v.match
	fields := v.schema.Fields
	line := v.HeaderLine
	var extras []int
	for c, col := range h.columns {
		switch col.Match {
		case MatchBlank:
			v.add(false, v.labelIssue(CodeBlankLabel, line, c, ""))
		case MatchDuplicate:
			is := v.labelIssue(CodeDuplicateLabel, line, c, "")
			first := h.dupOf[c]
			is.Message = "column `" + col.Label + "` appears twice (columns " + strconv.Itoa(first+1) + " and " + strconv.Itoa(c+1) + "); only the first one is checked: remove or rename the other"
			is.MessageFR = "la colonne `" + col.Label + "` apparaît deux fois (colonnes " + strconv.Itoa(first+1) + " et " + strconv.Itoa(c+1) + ") ; seule la première est vérifiée : supprimez ou renommez l'autre"
			v.add(false, is)
		case MatchNormalized, MatchTitle:
			v.add(false, v.labelIssue(CodeIncorrectLabel, line, c, col.Field))
		case MatchExtra:
			extras = append(extras, c)
		}
	}
	for f := range fields {
		if h.fieldCol[f] >= 0 {
			continue
		}
		required := fields[f].Constraints.Required
		is := v.missingLabelIssue(line, &fields[f], extras)
		v.add(!required, is)
	}
	for _, c := range extras {
		v.add(true, v.extraLabelIssue(line, c))
	}
	if moved := h.outOfOrder(); len(moved) > 0 {
		v.add(true, v.disorderIssue(line, moved))
	}
}
