package tableschema

import "slices"

// hashLog records a 64-bit hash per row and finds the repeats at the end:
// appending is sequential (no cache miss per row, unlike a hash table of
// a million entries) and one radix sort groups equal hashes. It keeps 12
// bytes a row, twice that while sorting. Two different values share a
// hash with a probability of about n²/2⁶⁵: 3·10⁻⁸ for a million rows.
type hashLog struct {
	// Entries are kept in blocks of logBlock so that growing never
	// copies them.
	keys [][]uint64
	rows [][]int32
	n    int
	done int // entries already searched by repeats
	reps []repeat
}

const logBlock = 1 << 16

// repeat is a row whose hash was first seen on an earlier row.
type repeat struct {
	row, first int
}

func (l *hashLog) add(h uint64, row int) {
	b := l.n / logBlock
	if b == len(l.keys) {
		size := logBlock
		if b == 0 {
			size = 1024 // small tables stay small
		}
		l.keys = append(l.keys, make([]uint64, 0, size))
		l.rows = append(l.rows, make([]int32, 0, size))
	}
	l.keys[b] = append(l.keys[b], h)
	l.rows[b] = append(l.rows[b], int32(row))
	l.n++
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
	var counts [257]int
	for _, b := range l.keys {
		for _, k := range b {
			counts[k>>56+1]++
		}
	}
	for i := 1; i < len(counts); i++ {
		counts[i] += counts[i-1]
	}
	keys := make([]uint64, n)
	rows := make([]int32, n)
	next := counts
	for bi, b := range l.keys {
		rb := l.rows[bi]
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
