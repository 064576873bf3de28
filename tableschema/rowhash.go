package tableschema

import (
	"math/bits"
	"unsafe"
)

// Constants of wyhash, whose multiply-and-fold step rowHash uses.
const (
	wyp0 = 0xa0761d6478bd642f
	wyp1 = 0xe7037ed1a0b428db
	wyp2 = 0x8ebc6af09c88c6e3
)

func mum(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// load8 reads 8 bytes of s at i, little-endian (s[i:i+8] must exist).
func load8(s string, i int) uint64 {
	p := unsafe.Add(unsafe.Pointer(unsafe.StringData(s)), i)
	b := (*[8]byte)(p)
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

func load4(s string, i int) uint64 {
	p := unsafe.Add(unsafe.Pointer(unsafe.StringData(s)), i)
	b := (*[4]byte)(p)
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24
}

// rowHash hashes the cells of a row (their contents and boundaries) with
// seed, the way wyhash does: several times faster than hash/maphash on
// short cells, and as good for finding repeated rows by chance.
func rowHash(seed uint64, cells []string) uint64 {
	h := seed ^ wyp0
	for _, s := range cells {
		n := len(s)
		var a, b uint64
		switch {
		case n == 0:
		case n < 4:
			a = uint64(s[0])<<16 | uint64(s[n>>1])<<8 | uint64(s[n-1])
		case n <= 8:
			a, b = load4(s, 0), load4(s, n-4)
		case n <= 16:
			a, b = load8(s, 0), load8(s, n-8)
		default:
			i := 0
			for ; i+16 < n; i += 16 {
				h = mum(h^load8(s, i)^wyp1, load8(s, i+8)^wyp2)
			}
			a, b = load8(s, n-16), load8(s, n-8)
		}
		h = mum(h^a^wyp1, b^wyp2^uint64(n))
	}
	return mum(h, wyp0^uint64(len(cells)))
}
