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
// (in the order rows were added).
func (l *hashLog) repeats() []repeat {
	if l.done == l.n {
		return l.reps
	}
	n := l.n
	keys := make([]uint64, 0, n)
	for _, b := range l.keys {
		keys = append(keys, b...)
	}
	rows := make([]int32, 0, n)
	for _, b := range l.rows {
		rows = append(rows, b...)
	}
	radixSort(keys, rows)
	var reps []repeat
	for i := 0; i < n; {
		j := i + 1
		for j < n && keys[j] == keys[i] {
			reps = append(reps, repeat{row: int(rows[j]), first: int(rows[i])})
			j++
		}
		i = j
	}
	slices.SortFunc(reps, func(a, b repeat) int { return a.row - b.row })
	l.reps, l.done = reps, n
	return reps
}

// radixSort sorts keys, carrying vals along; equal keys keep their order.
func radixSort(keys []uint64, vals []int32) {
	n := len(keys)
	if n < 256 {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int {
			switch {
			case keys[a] < keys[b]:
				return -1
			case keys[a] > keys[b]:
				return 1
			}
			return 0
		})
		k2 := make([]uint64, n)
		v2 := make([]int32, n)
		for i, j := range idx {
			k2[i], v2[i] = keys[j], vals[j]
		}
		copy(keys, k2)
		copy(vals, v2)
		return
	}
	const bits = 16
	const buckets = 1 << bits
	var counts [4][]int
	for d := range counts {
		counts[d] = make([]int, buckets)
	}
	for _, k := range keys {
		for d := 0; d < 4; d++ {
			counts[d][(k>>(d*bits))&(buckets-1)]++
		}
	}
	tk := make([]uint64, n)
	tv := make([]int32, n)
	for d := 0; d < 4; d++ {
		c := counts[d]
		if c[keys[0]>>(d*bits)&(buckets-1)] == n {
			continue // every key has the same digit here
		}
		sum := 0
		for i, x := range c {
			c[i] = sum
			sum += x
		}
		shift := uint(d * bits)
		for i, k := range keys {
			b := (k >> shift) & (buckets - 1)
			p := c[b]
			c[b]++
			tk[p], tv[p] = k, vals[i]
		}
		copy(keys, tk)
		copy(vals, tv)
	}
}
