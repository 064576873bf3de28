package storage

import (
	"testing"
	"unsafe"
)

// TestPointAt checks what the datastore's loading relies on: an interface
// made by pointAt holds its type, reads the value where it points, sees
// later writes there, and allocates nothing once made.
func TestPointAt(t *testing.T) {
	strs := make([]string, 2)
	nums := make([]float64, 1)
	ints := make([]int64, 1)
	s, f, i := pointAt(&strs[1]), pointAt(&nums[0]), pointAt(&ints[0])
	text := []byte("Saint-Étienne")
	allocs := testing.AllocsPerRun(100, func() {
		strs[1] = unsafe.String(&text[0], len(text))
		nums[0] = 3858.04
		ints[0] = 2308228659079
	})
	if allocs != 0 {
		t.Errorf("writing through the slots allocated %v times", allocs)
	}
	for _, tc := range []struct {
		v, want any
	}{{s, "Saint-Étienne"}, {f, 3858.04}, {i, int64(2308228659079)}} {
		switch v := tc.v.(type) {
		case string, float64, int64:
			if v != tc.want {
				t.Errorf("value %v (%T), want %v (%T)", v, v, tc.want, tc.want)
			}
		default:
			t.Errorf("value of type %T", v)
		}
	}
	strs[1] = "Lyon"
	if s != any("Lyon") {
		t.Errorf("after a write: %v", s)
	}
	if strs[0] != "" {
		t.Errorf("the neighbouring slot changed: %q", strs[0])
	}
}
