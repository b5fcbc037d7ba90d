package cases

import (
	"bytes"
	"errors"
	"runtime"
	"testing"
	"time"
)

// photoCost runs CleanPhoto on data n times and returns the bytes allocated
// and the time taken per call, and the error.
func photoCost(data []byte, n int) (allocated uint64, took time.Duration, err error) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	for range n {
		_, err = CleanPhoto(data)
	}
	took = time.Since(start) / time.Duration(n)
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(n), took, err
}

// A 67-byte PNG declaring 20000×20000 pixels would make a decoder reserve
// 1.6 GB. It must be refused from its header, allocating almost nothing.
func TestCleanPhotoRefusesDecompressionBombCheaply(t *testing.T) {
	bombs := map[string][]byte{
		"png 20000x20000":  photoCraftedPNG(20000, 20000),
		"jpeg 60000x60000": photoCraftedJPEG(t, 60000, 60000),
	}
	for name, bomb := range bombs {
		allocated, took, err := photoCost(bomb, 20)
		if !errors.Is(err, ErrPhotoPixels) {
			t.Fatalf("%s: got %v, want ErrPhotoPixels", name, err)
		}
		if allocated > 64<<10 || took > 50*time.Millisecond {
			t.Errorf("%s: refusing it cost %d bytes and %v per call", name, allocated, took)
		}
		if allocs := testing.AllocsPerRun(20, func() { _, _ = CleanPhoto(bomb) }); allocs > 50 {
			t.Errorf("%s: %v allocations per refusal", name, allocs)
		}
	}
	// The measure can tell: a permitted 2000×2000 header gets its pixels
	// allocated by the decoder before the missing data is noticed.
	allocated, _, err := photoCost(photoCraftedPNG(2000, 2000), 2)
	if !errors.Is(err, ErrPhotoCorrupt) || allocated < 2000*2000*3 {
		t.Errorf("control: got %v after allocating %d bytes, want ErrPhotoCorrupt after ≥ 12 MB", err, allocated)
	}
}

// photoProgressiveJPEG is a grey progressive JPEG of w×h pixels (multiples
// of 8): a DC scan, then AC scans that each say "no detail in any block" in a
// few bytes, with end-of-band runs. The decoder still visits every block.
func photoProgressiveJPEG(w, h, acScans int) []byte {
	out := []byte{0xFF, 0xD8}
	out = append(out, photoSegment(0xDB, append([]byte{0}, bytes.Repeat([]byte{1}, 64)...))...)
	out = append(out, photoSegment(0xC2, []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 1, 1, 0x11, 0})...)
	// DC table: one code, "0", for "no change". AC table: 4-bit code r for
	// the run symbol EOBr (r<<4), which skips 2^r plus r more bits blocks.
	out = append(out, photoSegment(0xC4, append([]byte{0x00, 1}, make([]byte, 16)...))...)
	ac := []byte{0x10, 0, 0, 0, 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	for r := range 15 {
		ac = append(ac, byte(r<<4))
	}
	out = append(out, photoSegment(0xC4, ac)...)
	blocks := w / 8 * h / 8
	out = append(out, photoSegment(markerSOS, []byte{1, 1, 0x00, 0, 0, 0})...)
	out = append(out, make([]byte, (blocks+7)/8)...) // one "0" bit per block
	for range acScans {
		out = append(out, photoSegment(markerSOS, []byte{1, 1, 0x00, 1, 63, 0})...)
		out = append(out, photoEmptyACScan(blocks)...)
	}
	return append(out, 0xFF, markerEOI)
}

// photoEmptyACScan is the entropy-coded data of an AC scan of n blocks that
// all stay empty: runs of up to 32767 blocks, each a 4-bit code r and r bits.
func photoEmptyACScan(n int) []byte {
	var bits []byte // one byte per bit, packed below
	put := func(v, n int) {
		for i := n - 1; i >= 0; i-- {
			bits = append(bits, byte(v>>i&1))
		}
	}
	for n > 0 {
		run := min(n, 1<<15-1)
		r := 0
		for 1<<(r+1) <= run {
			r++
		}
		put(r, 4)
		put(run-1<<r, r)
		n -= run
	}
	for len(bits)%8 != 0 {
		bits = append(bits, 1) // padding
	}
	var out []byte
	for i := 0; i < len(bits); i += 8 {
		var b byte
		for _, bit := range bits[i : i+8] {
			b = b<<1 | bit
		}
		out = append(out, b)
		if b == 0xFF {
			out = append(out, 0) // stuffed
		}
	}
	return out
}

// Repeated scans make the decoder do its work again for a few bytes each.
// A baseline JPEG needs at most one scan per component; a progressive one
// at most maxProgressiveScans.
func TestCleanPhotoRefusesRepeatedScans(t *testing.T) {
	jpg := photoTestJPEG(t, photoTestCorners(64, 64)) // 3 components, 1 scan
	sos := bytes.Index(jpg, []byte{0xFF, markerSOS})
	scan := jpg[sos : len(jpg)-2] // the SOS segment and its data, up to EOI
	repeated := func(n int) []byte {
		out := append([]byte{}, jpg[:sos]...)
		for range n {
			out = append(out, scan...)
		}
		return append(out, 0xFF, markerEOI)
	}
	for _, tc := range []struct {
		name string
		data []byte
		ok   bool
	}{
		{"baseline, a scan per component", repeated(3), true},
		{"baseline, one scan more", repeated(4), false},
		{"progressive, the limit", photoProgressiveJPEG(64, 48, maxProgressiveScans-1), true},
		{"progressive, one scan more", photoProgressiveJPEG(64, 48, maxProgressiveScans), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := CleanPhoto(tc.data)
			if tc.ok && (err != nil || p.Width != 64) {
				t.Fatalf("got %dx%d, %v; want a 64-pixel-wide photo", p.Width, p.Height, err)
			}
			if !tc.ok && !errors.Is(err, ErrPhotoCorrupt) {
				t.Fatalf("got %v, want ErrPhotoCorrupt", err)
			}
		})
	}
}

// 1,000 empty scans of 40 megapixels fit in 150 kB and would keep the
// decoder busy for about 20 s (about 18 ms a scan on the reference machine).
func TestCleanPhotoRefusesScanBombCheaply(t *testing.T) {
	bomb := photoProgressiveJPEG(8000, 5000, 1000)
	allocated, took, err := photoCost(bomb, 5)
	if !errors.Is(err, ErrPhotoCorrupt) {
		t.Fatalf("got %v, want ErrPhotoCorrupt", err)
	}
	if allocated > 64<<10 || took > 50*time.Millisecond {
		t.Errorf("refusing it cost %d bytes and %v per call", allocated, took)
	}
}
