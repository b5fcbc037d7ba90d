package cases

import (
	"image"
	"image/draw"
)

// resampleOne is 1.0 in the fixed-point weights of the resampler: 16 bits
// of fraction, so a weighted sum of 8-bit values fits in a uint32.
const (
	resampleShift = 16
	resampleOne   = 1 << resampleShift
)

// fitPhoto returns the size of a width×height picture scaled down so that
// its longer side is at most limit, keeping the aspect ratio. Pictures that
// already fit keep their size: photos are never enlarged.
func fitPhoto(width, height, limit int) (int, int) {
	if width <= limit && height <= limit {
		return width, height
	}
	scaled := func(short, long int) int {
		n := (int64(short)*int64(limit) + int64(long)/2) / int64(long)
		return int(max(n, 1))
	}
	if width >= height {
		return limit, scaled(height, width)
	}
	return scaled(width, height), limit
}

// resampleSpan is the run of input pixels that one output pixel averages,
// with weights that add up to exactly resampleOne.
type resampleSpan struct {
	first   int
	weights []uint32
}

// areaSpans maps n input pixels onto m ≤ n output pixels by area: output
// pixel i covers the input interval [i·n/m, (i+1)·n/m), and each input pixel
// counts in proportion to how much of it lies inside. Unlike picking the
// nearest pixel, this keeps fine detail from turning into noise (aliasing).
// Positions are kept in units of 1/m of an input pixel, so all is exact.
func areaSpans(n, m int) []resampleSpan {
	spans := make([]resampleSpan, m)
	n64, m64 := int64(n), int64(m)
	for i := range spans {
		lo, hi := int64(i)*n64, int64(i+1)*n64
		first, last := lo/m64, (hi-1)/m64
		weights := make([]uint32, last-first+1)
		var sum uint32
		heaviest := 0
		for j := first; j <= last; j++ {
			overlap := min(hi, (j+1)*m64) - max(lo, j*m64)
			w := uint32((overlap*resampleOne + n64/2) / n64)
			k := int(j - first)
			weights[k] = w
			sum += w
			if w > weights[heaviest] {
				heaviest = k
			}
		}
		// Rounding may leave the sum a little off 1.0; the heaviest weight
		// absorbs it, so flat colours come out exactly as they went in.
		weights[heaviest] += resampleOne - sum
		spans[i] = resampleSpan{first: int(first), weights: weights}
	}
	return spans
}

// shrinkPhoto resamples img to width×height (no larger than img) as an
// opaque RGBA picture, with any transparency flattened onto white. Rows are
// converted one at a time, so no full-size RGBA copy of a large photo is
// made: the only full-height buffer is already narrowed to the output width.
func shrinkPhoto(img image.Image, width, height int) *image.RGBA {
	b := img.Bounds()
	cols, rows := areaSpans(b.Dx(), width), areaSpans(b.Dy(), height)
	row := image.NewRGBA(image.Rect(0, 0, b.Dx(), 1))
	opaque := isOpaqueImage(img)
	lineLen := 4 * width
	narrow := make([]uint8, lineLen*b.Dy())
	for y := range b.Dy() {
		if !opaque {
			for i := range row.Pix {
				row.Pix[i] = 0xFF
			}
		}
		draw.Draw(row, row.Rect, img, image.Pt(b.Min.X, b.Min.Y+y), draw.Over)
		resampleRow(narrow[y*lineLen:(y+1)*lineLen], row.Pix, cols)
	}
	out := image.NewRGBA(image.Rect(0, 0, width, height))
	acc := make([]uint32, lineLen)
	for y, s := range rows {
		clear(acc)
		for k, w := range s.weights {
			line := narrow[(s.first+k)*lineLen:][:lineLen]
			for i, v := range line {
				acc[i] += uint32(v) * w
			}
		}
		line := out.Pix[y*out.Stride:][:lineLen]
		for i, a := range acc {
			line[i] = uint8((a + resampleOne/2) >> resampleShift)
		}
	}
	return out
}

// resampleRow narrows one row of opaque RGBA pixels.
func resampleRow(dst, src []uint8, cols []resampleSpan) {
	for i, s := range cols {
		var r, g, b uint32
		p := src[4*s.first:][:4*len(s.weights)]
		for _, w := range s.weights {
			r += uint32(p[0]) * w
			g += uint32(p[1]) * w
			b += uint32(p[2]) * w
			p = p[4:]
		}
		d := dst[4*i : 4*i+4]
		d[0] = uint8((r + resampleOne/2) >> resampleShift)
		d[1] = uint8((g + resampleOne/2) >> resampleShift)
		d[2] = uint8((b + resampleOne/2) >> resampleShift)
		d[3] = 0xFF
	}
}

func isOpaqueImage(img image.Image) bool {
	o, ok := img.(interface{ Opaque() bool })
	return ok && o.Opaque()
}

// orientPhoto turns a picture stored with EXIF orientation o (1 to 8) the
// right way up. Orientations 5 to 8 swap width and height.
func orientPhoto(src *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return src
	}
	w, h := src.Rect.Dx(), src.Rect.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if o >= 5 {
		dst = image.NewRGBA(image.Rect(0, 0, h, w))
	}
	offset := func(x, y int) int {
		dx, dy := orientedPoint(o, x, y, w, h)
		return dy*dst.Stride + 4*dx
	}
	// Along a stored row, the shown position moves by a fixed step.
	step := offset(1, 0) - offset(0, 0)
	for y := range h {
		line := src.Pix[y*src.Stride:][:4*w]
		d := offset(0, y)
		for x := 0; x < len(line); x += 4 {
			copy(dst.Pix[d:d+4], line[x:x+4])
			d += step
		}
	}
	return dst
}

// orientedPoint is where stored pixel (x, y) of a w×h picture is shown,
// following the EXIF definitions: 2 mirrors left-right, 3 turns 180°,
// 4 mirrors top-bottom, 5 transposes, 6 turns 90° clockwise, 7 transverses
// and 8 turns 90° anticlockwise.
func orientedPoint(o, x, y, w, h int) (int, int) {
	switch o {
	case 2:
		return w - 1 - x, y
	case 3:
		return w - 1 - x, h - 1 - y
	case 4:
		return x, h - 1 - y
	case 5:
		return y, x
	case 6:
		return h - 1 - y, x
	case 7:
		return h - 1 - y, w - 1 - x
	case 8:
		return y, w - 1 - x
	}
	return x, y
}
