package tableschema

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode"
	"unicode/utf8"
)

// translatePattern rewrites the parts of a Python (frictionless) regular
// expression that Go's RE2 spells differently: \uXXXX and \UXXXXXXXX
// escapes, \Z, and {,n} repeats. It returns an error naming what RE2
// cannot do at all (look-arounds, back-references).
func translatePattern(p string) (string, error) {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			n := p[i+1]
			switch {
			case n == 'u' && i+6 <= len(p) && isHex(p[i+2:i+6]):
				fmt.Fprintf(&b, `\x{%s}`, p[i+2:i+6])
				i += 5
			case n == 'U' && i+10 <= len(p) && isHex(p[i+2:i+10]):
				fmt.Fprintf(&b, `\x{%s}`, p[i+2:i+10])
				i += 9
			case n == 'Z' && !inClass:
				b.WriteString(`\z`)
				i++
			case '1' <= n && n <= '9' && !inClass:
				return "", fmt.Errorf("back-reference \\%c", n)
			default:
				b.WriteByte(c)
				b.WriteByte(n)
				i++
			}
		case inClass:
			if c == ']' {
				inClass = false
			}
			b.WriteByte(c)
		case c == '[':
			inClass = true
			b.WriteByte(c)
			// A ] right after [ or [^ is a literal in both syntaxes.
			if i+1 < len(p) && p[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(p) && p[i+1] == ']' {
				b.WriteByte(']')
				i++
			}
		case c == '(' && strings.HasPrefix(p[i:], "(?="), c == '(' && strings.HasPrefix(p[i:], "(?!"),
			c == '(' && strings.HasPrefix(p[i:], "(?<="), c == '(' && strings.HasPrefix(p[i:], "(?<!"):
			return "", fmt.Errorf("look-around %s", p[i:min(len(p), i+4)])
		case c == '(' && strings.HasPrefix(p[i:], "(?P="):
			return "", fmt.Errorf("named back-reference")
		case c == '{' && strings.HasPrefix(p[i:], "{,"):
			b.WriteString("{0,")
			i++
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')) {
			return false
		}
	}
	return true
}

// matcher checks that a whole value matches a pattern, as frictionless
// does with re.match("^(?:pattern)$"). Small patterns run on a lazily built
// DFA (a table lookup per character); others fall back to regexp.
type matcher struct {
	re *regexp.Regexp
	// fixed, when not nil, is a pattern of fixed length made of ASCII
	// classes (^\d{14}$): one set of allowed bytes per position.
	fixed [][2]uint64

	prog    *syntax.Prog
	dfa     bool
	emptyOK bool // the empty value matches (\A and \z then hold at once)
	// DFA state i is the set of program instructions sets[i] (bit k for
	// instruction k) after following empty transitions; trans[i<<7|c] is
	// the state after ASCII character c (-1: not built yet), accept[i]
	// whether the value may end there. State 0 is dead.
	sets   []uint64
	accept []bool
	trans  []int32
	index  map[uint64]int32
	wide   map[uint64]int32 // transitions on non-ASCII runes: state<<32 | rune
}

const (
	deadState = 0
	maxStates = 4096
)

// compilePattern prepares a pattern from a schema; the error says why RE2
// cannot run it.
func compilePattern(p string) (*matcher, error) {
	t, err := translatePattern(p)
	if err != nil {
		return nil, err
	}
	// The pattern must stand on its own: ")|(" would otherwise break out
	// of the group around it.
	if _, err := syntax.Parse(t, syntax.Perl); err != nil {
		return nil, err
	}
	full := "^(?:" + t + ")$"
	re, err := regexp.Compile(full)
	if err != nil {
		return nil, err
	}
	m := &matcher{re: re}
	if parsed, err := syntax.Parse(full, syntax.Perl); err == nil {
		m.fixed, _ = fixedClasses(parsed.Simplify())
	}
	if m.fixed == nil {
		m.buildDFA(full)
	}
	return m, nil
}

// fixedClasses turns a regexp that is a sequence of single ASCII
// characters or classes, anchored at both ends, into one byte set per
// position.
func fixedClasses(re *syntax.Regexp) ([][2]uint64, bool) {
	var out [][2]uint64
	begun, ended := false, false
	var walk func(re *syntax.Regexp) bool
	walk = func(re *syntax.Regexp) bool {
		switch re.Op {
		case syntax.OpConcat:
			for _, sub := range re.Sub {
				if !walk(sub) {
					return false
				}
			}
			return true
		case syntax.OpCapture:
			return walk(re.Sub[0])
		case syntax.OpBeginText:
			if len(out) > 0 || ended {
				return false
			}
			begun = true
			return true
		case syntax.OpEndText:
			ended = true
			return true
		case syntax.OpEmptyMatch:
			return true
		case syntax.OpLiteral:
			for _, r := range re.Rune {
				if ended || r >= utf8.RuneSelf {
					return false
				}
				var set [2]uint64
				set[r>>6] |= 1 << (r & 63)
				if re.Flags&syntax.FoldCase != 0 {
					for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
						if f >= utf8.RuneSelf {
							return false
						}
						set[f>>6] |= 1 << (f & 63)
					}
				}
				out = append(out, set)
			}
			return true
		case syntax.OpCharClass:
			if ended {
				return false
			}
			var set [2]uint64
			for i := 0; i+1 < len(re.Rune); i += 2 {
				lo, hi := re.Rune[i], re.Rune[i+1]
				if hi >= utf8.RuneSelf {
					return false
				}
				for r := lo; r <= hi; r++ {
					set[r>>6] |= 1 << (r & 63)
				}
			}
			out = append(out, set)
			return true
		}
		return false
	}
	if !walk(re) || !begun || !ended || len(out) == 0 || len(out) > 256 {
		return nil, false
	}
	return out, true
}

func (m *matcher) buildDFA(full string) {
	parsed, err := syntax.Parse(full, syntax.Perl)
	if err != nil {
		return
	}
	prog, err := syntax.Compile(parsed.Simplify())
	if err != nil || len(prog.Inst) > 64 {
		return
	}
	for _, in := range prog.Inst {
		if in.Op == syntax.InstEmptyWidth && syntax.EmptyOp(in.Arg)&^(syntax.EmptyBeginText|syntax.EmptyEndText) != 0 {
			return // line or word boundaries: leave them to regexp
		}
	}
	m.prog = prog
	m.index = map[uint64]int32{0: deadState}
	m.wide = map[uint64]int32{}
	m.sets = []uint64{0}
	m.accept = []bool{false}
	m.trans = make([]int32, 128) // the dead state stays dead
	m.emptyOK = m.re.MatchString("")
	start := m.closure(1<<uint(prog.Start), true)
	if m.state(start) != 1 {
		return
	}
	m.dfa = true
}

// closure follows empty transitions from the instructions in set; at the
// start of the text, \A holds. \z is kept pending: it is resolved when the
// value ends.
func (m *matcher) closure(set uint64, atStart bool) uint64 {
	out := uint64(0)
	stack := make([]uint32, 0, 8)
	for i := uint32(0); i < 64; i++ {
		if set&(1<<i) != 0 {
			stack = append(stack, i)
		}
	}
	for len(stack) > 0 {
		pc := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if out&(1<<pc) != 0 {
			continue
		}
		out |= 1 << pc
		in := &m.prog.Inst[pc]
		switch in.Op {
		case syntax.InstAlt, syntax.InstAltMatch:
			stack = append(stack, in.Out, in.Arg)
		case syntax.InstCapture, syntax.InstNop:
			stack = append(stack, in.Out)
		case syntax.InstEmptyWidth:
			if syntax.EmptyOp(in.Arg) == syntax.EmptyBeginText && atStart {
				stack = append(stack, in.Out)
			}
		}
	}
	return out
}

// accepts reports whether a set matches when the value ends there.
func (m *matcher) accepts(set uint64) bool {
	seen := uint64(0)
	stack := make([]uint32, 0, 8)
	for i := uint32(0); i < 64; i++ {
		if set&(1<<i) != 0 {
			stack = append(stack, i)
		}
	}
	for len(stack) > 0 {
		pc := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen&(1<<pc) != 0 {
			continue
		}
		seen |= 1 << pc
		in := &m.prog.Inst[pc]
		switch in.Op {
		case syntax.InstMatch:
			return true
		case syntax.InstAlt, syntax.InstAltMatch:
			stack = append(stack, in.Out, in.Arg)
		case syntax.InstCapture, syntax.InstNop:
			stack = append(stack, in.Out)
		case syntax.InstEmptyWidth:
			if syntax.EmptyOp(in.Arg)&syntax.EmptyBeginText == 0 {
				stack = append(stack, in.Out)
			}
		}
	}
	return false
}

// state returns the number of the DFA state for set, creating it.
func (m *matcher) state(set uint64) int32 {
	if id, ok := m.index[set]; ok {
		return id
	}
	if len(m.sets) >= maxStates {
		return -1
	}
	id := int32(len(m.sets))
	m.sets = append(m.sets, set)
	m.accept = append(m.accept, m.accepts(set))
	for range 128 {
		m.trans = append(m.trans, -1)
	}
	m.index[set] = id
	return id
}

// step computes the state after reading r in state id.
func (m *matcher) step(id int32, r rune) int32 {
	set := m.sets[id]
	next := uint64(0)
	for pc := uint32(0); pc < 64; pc++ {
		if set&(1<<pc) == 0 {
			continue
		}
		in := &m.prog.Inst[pc]
		ok := false
		switch in.Op {
		case syntax.InstRune, syntax.InstRune1:
			ok = in.MatchRune(r)
		case syntax.InstRuneAny:
			ok = true
		case syntax.InstRuneAnyNotNL:
			ok = r != '\n'
		}
		if ok {
			next |= 1 << in.Out
		}
	}
	if next == 0 {
		return deadState
	}
	return m.state(m.closure(next, false))
}

// match reports whether all of s matches the pattern.
func (m *matcher) match(s string) bool {
	if m.fixed != nil {
		if len(s) != len(m.fixed) {
			return false
		}
		for i, set := range m.fixed {
			c := s[i]
			if c >= utf8.RuneSelf || set[c>>6]&(1<<(c&63)) == 0 {
				return false
			}
		}
		return true
	}
	if !m.dfa {
		return m.re.MatchString(s)
	}
	if s == "" {
		return m.emptyOK
	}
	id := int32(1)
	trans := m.trans
	for i := 0; i < len(s); {
		c := s[i]
		var nid int32
		if c < utf8.RuneSelf {
			nid = trans[int(id)<<7|int(c)]
			if nid < 0 {
				nid = m.step(id, rune(c))
				if nid < 0 {
					m.dfa = false // too many states: regexp from now on
					return m.re.MatchString(s)
				}
				m.trans[int(id)<<7|int(c)] = nid
				trans = m.trans
			}
			i++
		} else {
			r, n := utf8.DecodeRuneInString(s[i:])
			key := uint64(id)<<32 | uint64(uint32(r))
			var ok bool
			if nid, ok = m.wide[key]; !ok {
				nid = m.step(id, r)
				if nid < 0 {
					m.dfa = false
					return m.re.MatchString(s)
				}
				if len(m.wide) < 1<<16 {
					m.wide[key] = nid
				}
				trans = m.trans
			}
			i += n
		}
		if nid == deadState {
			return false
		}
		id = nid
	}
	return m.accept[id]
}
