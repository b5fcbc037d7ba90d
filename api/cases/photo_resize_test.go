package cases

import (
	"fmt"
	"image"
	"image/color"
	"testing"
)

func TestFitPhoto(t *testing.T) {
	for _, tc := range []struct{ w, h, wantW, wantH int }{
		{4000, 3000, 2560, 1920},
		{3000, 4000, 1920, 2560},
		{2560, 2560, 2560, 2560},
		{2561, 2561, 2560, 2560},
		{100, 50, 100, 50}, // never enlarged
		{40_000_000, 1, 2560, 1},
		{1, 40_000_000, 1, 2560},
		{5000, 1999, 2560, 1023}, // 1023.49 rounds down
		{5000, 2001, 2560, 1025}, // 1024.51 rounds up
	} {
		if w, h := fitPhoto(tc.w, tc.h, 2560); w != tc.wantW || h != tc.wantH {
			t.Errorf("fitPhoto(%d, %d) = %dx%d, want %dx%d", tc.w, tc.h, w, h, tc.wantW, tc.wantH)
		}
	}
}

func TestAreaSpansShareEveryInputPixelFairly(t *testing.T) {
	for _, tc := range []struct{ n, m int }{{10, 10}, {10, 3}, {4000, 2560}, {3000, 1920}, {7, 1}, {40_001, 2560}} {
		t.Run(fmt.Sprintf("%d to %d", tc.n, tc.m), func(t *testing.T) {
			received := make([]int64, tc.n) // weight each input pixel gives out
			for i, s := range areaSpans(tc.n, tc.m) {
				var sum uint32
				for k, w := range s.weights {
					sum += w
					received[s.first+k] += int64(w)
				}
				if sum != resampleOne {
					t.Fatalf("output %d: weights add up to %d, want %d", i, sum, resampleOne)
				}
			}
			// Each input pixel counts m/n of an output pixel, give or take
			// the rounding left over from the weights of its output.
			fair := float64(resampleOne) * float64(tc.m) / float64(tc.n)
			tol := float64(tc.n/tc.m + 2)
			for j, got := range received {
				if d := float64(got) - fair; d > tol || d < -tol {
					t.Fatalf("input %d gives %d, want %.1f", j, got, fair)
				}
			}
		})
	}
}

func TestShrinkAveragesInsteadOfPicking(t *testing.T) {
	// One-pixel black and white checks: picking pixels would give black
	// or white, or moiré; averaging gives an even grey.
	checks := image.NewGray(image.Rect(0, 0, 300, 200))
	for y := range 200 {
		for x := range 300 {
			if (x+y)%2 == 0 {
				checks.SetGray(x, y, color.Gray{255})
			}
		}
	}
	for _, size := range []image.Point{{150, 100}, {120, 80}, {97, 65}} {
		out := shrinkPhoto(checks, size.X, size.Y)
		for y := range size.Y {
			for x := range size.X {
				if c := out.RGBAAt(x, y); photoAbs(int(c.R)-128) > 16 || c.R != c.G || c.G != c.B || c.A != 255 {
					t.Fatalf("%v: pixel (%d,%d) is %v, want grey near 128", size, x, y, c)
				}
			}
		}
	}
}

func TestShrinkKeepsFlatColourExactly(t *testing.T) {
	c := color.RGBA{12, 200, 77, 255}
	src := image.NewRGBA(image.Rect(0, 0, 1001, 700))
	for i := 0; i < len(src.Pix); i += 4 {
		copy(src.Pix[i:], []uint8{c.R, c.G, c.B, c.A})
	}
	out := shrinkPhoto(src.SubImage(image.Rect(1, 0, 1001, 700)), 333, 233)
	if out.Rect != image.Rect(0, 0, 333, 233) {
		t.Fatalf("bounds %v", out.Rect)
	}
	for y := range 233 {
		for x := range 333 {
			if got := out.RGBAAt(x, y); got != c {
				t.Fatalf("pixel (%d,%d) is %v, want %v", x, y, got, c)
			}
		}
	}
}

func TestShrinkKeepsEdgesInPlace(t *testing.T) {
	// Left 3/4 black, right 1/4 white; at 4:1 the boundary falls on a pixel.
	src := image.NewGray(image.Rect(0, 0, 400, 8))
	for y := range 8 {
		for x := 300; x < 400; x++ {
			src.SetGray(x, y, color.Gray{255})
		}
	}
	out := shrinkPhoto(src, 100, 2)
	for x, want := range map[int]uint8{0: 0, 74: 0, 75: 255, 99: 255} {
		if got := out.RGBAAt(x, 1).R; got != want {
			t.Errorf("pixel %d is %d, want %d", x, got, want)
		}
	}
}

func TestOrientFollowsExifDefinitions(t *testing.T) {
	// Stored picture, pixels named by their red value:
	//   1 2 3
	//   4 5 6
	// and how each orientation must show it (EXIF 2.3, tag 0x0112).
	want := map[int][]string{
		1: {"123", "456"},
		2: {"321", "654"},
		3: {"654", "321"},
		4: {"456", "123"},
		5: {"14", "25", "36"},
		6: {"41", "52", "63"},
		7: {"63", "52", "41"},
		8: {"36", "25", "14"},
	}
	src := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i := range 6 {
		src.SetRGBA(i%3, i/3, color.RGBA{uint8('1' + i), 0, 0, 255})
	}
	for o := 1; o <= 8; o++ {
		out := orientPhoto(src, o)
		var got []string
		for y := range out.Rect.Dy() {
			row := ""
			for x := range out.Rect.Dx() {
				row += string(rune(out.RGBAAt(x, y).R))
			}
			got = append(got, row)
		}
		if fmt.Sprint(got) != fmt.Sprint(want[o]) {
			t.Errorf("orientation %d shows %v, want %v", o, got, want[o])
		}
	}
}
