package cases

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// Colours of the corner markers in photoTestCorners.
var (
	photoRed   = color.RGBA{220, 20, 20, 255}
	photoGreen = color.RGBA{20, 200, 20, 255}
	photoGrey  = color.RGBA{120, 120, 140, 255}
)

// photoTestCorners is a w×h picture with a red block in its top-left corner
// and a green block in its top-right corner, so any turn or mirror shows.
func photoTestCorners(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := photoGrey
			switch {
			case x < 8 && y < 8:
				c = photoRed
			case x >= w-8 && y < 8:
				c = photoGreen
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func photoTestJPEG(tb testing.TB, img image.Image) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		tb.Fatalf("encode test JPEG: %v", err)
	}
	return buf.Bytes()
}

func photoTestPNG(tb testing.TB, img image.Image) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatalf("encode test PNG: %v", err)
	}
	return buf.Bytes()
}

// photoSegment is a JPEG marker segment.
func photoSegment(marker byte, payload []byte) []byte {
	seg := []byte{0xFF, marker, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	return append(seg, payload...)
}

// photoWithSegments puts segments right after the SOI marker of a JPEG,
// where cameras write their metadata.
func photoWithSegments(jpg []byte, segs ...[]byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	return append(out, jpg[2:]...)
}

// photoByteOrder is binary.BigEndian or binary.LittleEndian.
type photoByteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// photoGPSRationals is the latitude 50° 22' 31.4159" as a camera stores it:
// three RATIONALs. Its bytes must never survive cleaning.
func photoGPSRationals(order photoByteOrder) []byte {
	var b []byte
	for _, v := range []uint32{50, 1, 22, 1, 314159, 10000} {
		b = order.AppendUint32(b, v)
	}
	return b
}

// photoExif is the body of an APP1 EXIF segment: IFD0 holds the
// orientation (left out when 0) and a pointer to a GPS IFD with a latitude.
func photoExif(order photoByteOrder, orientation uint16) []byte {
	t := []byte("MM\x00\x2a\x00\x00\x00\x08")
	if order == binary.LittleEndian {
		t = []byte("II\x2a\x00\x08\x00\x00\x00")
	}
	entry := func(tag, typ uint16, count, value uint32) {
		t = order.AppendUint16(t, tag)
		t = order.AppendUint16(t, typ)
		t = order.AppendUint32(t, count)
		if typ == 3 { // a SHORT sits in the first two bytes of the field
			t = order.AppendUint16(t, uint16(value))
			t = append(t, 0, 0)
			return
		}
		t = order.AppendUint32(t, value)
	}
	n := uint16(1)
	if orientation != 0 {
		n = 2
	}
	t = order.AppendUint16(t, n)
	if orientation != 0 {
		entry(0x0112, 3, 1, uint32(orientation))
	}
	gpsIFD := uint32(len(t)) + 12 + 4
	entry(0x8825, 4, 1, gpsIFD)
	t = order.AppendUint32(t, 0) // no IFD1
	t = order.AppendUint16(t, 2)
	entry(0x0001, 2, 2, order.Uint32([]byte("N\x00\x00\x00")))
	entry(0x0002, 5, 3, gpsIFD+2+24+4)
	t = order.AppendUint32(t, 0)
	t = append(t, photoGPSRationals(order)...)
	return append([]byte("Exif\x00\x00"), t...)
}

// photoCraftedPNG is a PNG whose header declares w×h pixels but whose image
// data is a few bytes: what a decompression bomb looks like to the header
// check. Decoding it would first allocate the declared pixels.
func photoCraftedPNG(w, h uint32) []byte {
	chunk := func(typ string, data []byte) []byte {
		c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		c = append(c, typ...)
		c = append(c, data...)
		return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0) // 8-bit RGB, no interlace
	// A zlib stream of a handful of zero bytes: far too little data.
	idat := []byte{0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01}
	out := append([]byte{}, pngMagic...)
	out = append(out, chunk("IHDR", ihdr)...)
	out = append(out, chunk("IDAT", idat)...)
	return append(out, chunk("IEND", nil)...)
}

// photoCraftedJPEG is a real small JPEG whose frame header is rewritten to
// declare w×h pixels.
func photoCraftedJPEG(tb testing.TB, w, h uint16) []byte {
	tb.Helper()
	jpg := photoTestJPEG(tb, photoTestCorners(16, 16))
	i := bytes.Index(jpg, []byte{0xFF, 0xC0})
	if i < 0 {
		tb.Fatal("no SOF0 in test JPEG")
	}
	binary.BigEndian.PutUint16(jpg[i+5:], h)
	binary.BigEndian.PutUint16(jpg[i+7:], w)
	return jpg
}

// photoMarkers lists the markers of the header segments of a JPEG, up to
// and including the first SOS; written apart from the code under test.
func photoMarkers(tb testing.TB, jpg []byte) []byte {
	tb.Helper()
	var markers []byte
	for i := 2; i+4 <= len(jpg); {
		if jpg[i] != 0xFF {
			tb.Fatalf("no marker at offset %d", i)
		}
		markers = append(markers, jpg[i+1])
		if jpg[i+1] == markerSOS {
			return markers
		}
		i += 2 + int(binary.BigEndian.Uint16(jpg[i+2:]))
	}
	tb.Fatal("no SOS marker")
	return nil
}

// photoDecode decodes a cleaned photo and checks it has the reported size.
func photoDecode(tb testing.TB, p Photo) image.Image {
	tb.Helper()
	img, err := jpeg.Decode(bytes.NewReader(p.JPEG))
	if err != nil {
		tb.Fatalf("cleaned photo is not a JPEG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != p.Width || b.Dy() != p.Height {
		tb.Fatalf("cleaned photo is %dx%d, reported %dx%d", b.Dx(), b.Dy(), p.Width, p.Height)
	}
	return img
}

// photoNear reports whether c is within tol of want on every channel.
func photoNear(c color.Color, want color.RGBA, tol int) bool {
	r, g, b, _ := c.RGBA()
	d := func(got uint32, w uint8) bool { return photoAbs(int(got>>8)-int(w)) <= tol }
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

func photoAbs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
