package tableschema

import "slices"

// hashLog records a 64-bit hash per row and finds the repeats at the end:
// appending is sequential (no cache miss per row, unlike a hash table of
// a million entries) and repeats are then searched bucket by bucket. It
// keeps 12 bytes a row, twice that while searching. Two different values
// share a hash with a probability of about n²/2⁶⁵: 3·10⁻⁸ for a million
// rows.
type hashLog struct {
	// Entries are kept in blocks so that growing never copies them; the
	// last block is filled through curK and curR, pos entries so far.
	keys [][]uint64
	rows [][]int32
	curK []uint64
	curR []int32
	pos  int
	n    int
	done int // entries already searched by repeats
	reps []repeat
	// counts holds how many entries have each top byte, the buckets of
	// repeats.
	counts [256]int
}

const logBlock = 1 << 16

// repeat is a row whose hash was first seen on an earlier row.
type repeat struct {
	row, first int
}

func (l *hashLog) add(h uint64, row int) {
	if l.pos == len(l.curK) {
		l.grow()
	}
	l.curK[l.pos], l.curR[l.pos] = h, int32(row)
	l.counts[h>>56]++
	l.pos++
	l.n++
}

// grow starts a new block: small ones first, so that small tables stay
// small, then logBlock entries each.
func (l *hashLog) grow() {
	size := min(logBlock, max(1024, 2*len(l.curK)))
	l.curK, l.curR, l.pos = make([]uint64, size), make([]int32, size), 0
	l.keys = append(l.keys, l.curK)
	l.rows = append(l.rows, l.curR)
}

// block returns the filled part of block i.
func (l *hashLog) block(i int) ([]uint64, []int32) {
	if i == len(l.keys)-1 {
		return l.keys[i][:l.pos], l.rows[i][:l.pos]
	}
	return l.keys[i], l.rows[i]
}

// repeats returns, sorted by row, the rows whose hash appeared before
// (in the order rows were added). The hashes are spread over 256 buckets
// by their top byte in one pass that keeps their order, then each bucket,
// small enough for the cache, is searched with a hash table.
func (l *hashLog) repeats() []repeat {
	if l.done == l.n {
		return l.reps
	}
	n := l.n
	var counts [257]int // start of each bucket
	for i, c := range l.counts {
		counts[i+1] = counts[i] + c
	}
	keys := make([]uint64, n)
	rows := make([]int32, n)
	next := counts
	for bi := range l.keys {
		b, rb := l.block(bi)
		for i, k := range b {
			p := next[k>>56]
			next[k>>56]++
			keys[p], rows[p] = k, rb[i]
		}
	}
	var reps []repeat
	var table []int32 // slot → index in the bucket + 1; 0 is empty
	for b := 0; b < 256; b++ {
		lo, hi := counts[b], counts[b+1]
		size := 1
		for size < 2*(hi-lo) {
			size <<= 1
		}
		if cap(table) < size {
			table = make([]int32, size)
		} else {
			table = table[:size]
			clear(table)
		}
		mask := uint64(size - 1)
		for i := lo; i < hi; i++ {
			k := keys[i]
			for j := k & mask; ; j = (j + 1) & mask {
				e := table[j]
				if e == 0 {
					table[j] = int32(i-lo) + 1
					break
				}
				if first := lo + int(e) - 1; keys[first] == k {
					reps = append(reps, repeat{row: int(rows[i]), first: int(rows[first])})
					break
				}
			}
		}
	}
	slices.SortFunc(reps, func(a, b repeat) int { return a.row - b.row })
	l.reps, l.done = reps, n
	return reps
}
