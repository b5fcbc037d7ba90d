package cases

import (
	"bytes"
	"image"
	"image/jpeg"
	"io"
	"math"
	"testing"
	"time"
)

// photo12MP is a 4000×3000 JPEG that compresses like a photo: smooth
// light, edges and some grain.
func photo12MP(tb testing.TB) []byte {
	tb.Helper()
	const w, h = 4000, 3000
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	seed := uint32(1)
	for y := range h {
		for x := range w {
			seed = seed*1664525 + 1013904223
			light := 60 + 120*float64(x)/w + 40*math.Sin(float64(y)/37)*math.Cos(float64(x)/53)
			if (x/400+y/300)%2 == 0 {
				light += 25
			}
			img.Y[y*img.YStride+x] = uint8(min(max(light+float64(seed>>28), 0), 255))
		}
	}
	for i := range img.Cb {
		img.Cb[i] = uint8(110 + i%40)
		img.Cr[i] = uint8(140 - i%30)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkCleanPhoto12MP reports, next to the time, its ratio to the
// least any re-encoding must do: decode the photo and encode a crop of the
// stored size. The two alternate, so a noisy machine slows both alike.
//
//	go test -run '^$' -bench CleanPhoto12MP -benchmem ./api/cases/
func BenchmarkCleanPhoto12MP(b *testing.B) {
	data := photo12MP(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var clean, baseline time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := CleanPhoto(data); err != nil {
			b.Fatal(err)
		}
		clean += time.Since(start)
		b.StopTimer()
		start = time.Now()
		img, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		crop := img.(*image.YCbCr).SubImage(image.Rect(0, 0, 2560, 1920))
		if err := jpeg.Encode(io.Discard, crop, &jpeg.Options{Quality: photoQuality}); err != nil {
			b.Fatal(err)
		}
		baseline += time.Since(start)
		b.StartTimer()
	}
	b.ReportMetric(float64(len(data))/1e6, "MB-in")
	b.ReportMetric(float64(clean)/float64(baseline), "x-decode+encode")
}
