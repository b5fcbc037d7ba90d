package cases

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"testing"
)

func TestCleanPhotoKeepsPicture(t *testing.T) {
	src := photoTestCorners(64, 48)
	deep := image.NewRGBA64(src.Rect)
	draw.Draw(deep, deep.Rect, src, image.Point{}, draw.Src)
	for name, data := range map[string][]byte{
		"jpeg":       photoTestJPEG(t, src),
		"png":        photoTestPNG(t, src),
		"16-bit png": photoTestPNG(t, deep),
		"grey":       photoTestPNG(t, image.NewGray(image.Rect(0, 0, 64, 48))),
	} {
		t.Run(name, func(t *testing.T) {
			p, err := CleanPhoto(data)
			if err != nil {
				t.Fatalf("CleanPhoto: %v", err)
			}
			img := photoDecode(t, p)
			if p.Width != 64 || p.Height != 48 {
				t.Fatalf("size %dx%d, want 64x48 (small photos keep their size)", p.Width, p.Height)
			}
			if name != "grey" && (!photoNear(img.At(2, 2), photoRed, 40) || !photoNear(img.At(61, 2), photoGreen, 40)) {
				t.Errorf("corners %v %v, want red and green", img.At(2, 2), img.At(61, 2))
			}
			if m := photoMarkers(t, p.JPEG); !bytes.Contains(m, []byte{0xC0}) {
				t.Errorf("markers % X: want a baseline frame (SOF0)", m)
			}
		})
	}
}

func TestCleanPhotoJudgesTypeByContent(t *testing.T) {
	var gifData bytes.Buffer
	if err := gif.Encode(&gifData, photoTestCorners(16, 16), nil); err != nil {
		t.Fatal(err)
	}
	jpg := photoTestJPEG(t, photoTestCorners(16, 16))
	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrPhotoType},
		{"gif", gifData.Bytes(), ErrPhotoType},
		{"webp", []byte("RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00"), ErrPhotoType},
		{"heic", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), ErrPhotoType},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), ErrPhotoType},
		{"html", []byte("<!doctype html><html><body>hello</body></html>"), ErrPhotoType},
		{"zip", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), ErrPhotoType},
		{"pdf", []byte("%PDF-1.7\n"), ErrPhotoType},
		{"bmp", []byte("BM\x3e\x00\x00\x00\x00\x00\x00\x00\x3e\x00"), ErrPhotoType},
		{"jpeg behind a text line", append([]byte("photo.jpg\n"), jpg...), ErrPhotoType},
		{"jpeg magic then html", append([]byte{0xFF, 0xD8, 0xFF}, "<html>"...), ErrPhotoCorrupt},
		{"png magic then text", append(append([]byte{}, pngMagic...), "not a chunk"...), ErrPhotoCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := CleanPhoto(tc.data); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestCleanPhotoSizeLimit(t *testing.T) {
	jpg := photoTestJPEG(t, photoTestCorners(32, 32))
	// Bytes after the end-of-image marker are ignored by every decoder.
	exact := append(jpg, make([]byte, MaxPhotoBytes-len(jpg))...)
	if _, err := CleanPhoto(exact); err != nil {
		t.Fatalf("photo of exactly MaxPhotoBytes: %v", err)
	}
	if _, err := CleanPhoto(append(exact, 0)); !errors.Is(err, ErrPhotoTooBig) {
		t.Fatalf("one byte over: got %v, want ErrPhotoTooBig", err)
	}
}

func TestCleanPhotoPixelLimit(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		// Allowed by the header check; its data then turns out too short.
		{"png 8000x5000 = 40,000,000", photoCraftedPNG(8000, 5000), ErrPhotoCorrupt},
		{"png 40,000,001x1", photoCraftedPNG(40_000_001, 1), ErrPhotoPixels},
		{"png 8001x5000", photoCraftedPNG(8001, 5000), ErrPhotoPixels},
		{"png 20000x20000", photoCraftedPNG(20000, 20000), ErrPhotoPixels},
		{"png 65536x65536, 0 in 32 bits", photoCraftedPNG(1<<16, 1<<16), ErrPhotoPixels},
		{"png 0x100", photoCraftedPNG(0, 100), ErrPhotoCorrupt},
		{"png negative width", photoCraftedPNG(1<<32-1, 100), ErrPhotoCorrupt},
		{"jpeg 8000x5000", photoCraftedJPEG(t, 8000, 5000), ErrPhotoCorrupt},
		{"jpeg 8001x5000", photoCraftedJPEG(t, 8001, 5000), ErrPhotoPixels},
		{"jpeg 65535x65535", photoCraftedJPEG(t, 65535, 65535), ErrPhotoPixels},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := CleanPhoto(tc.data); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestCleanPhotoTruncated(t *testing.T) {
	src := photoTestCorners(24, 16)
	for name, data := range map[string][]byte{
		"jpeg": photoTestJPEG(t, src),
		"png":  photoTestPNG(t, src),
	} {
		t.Run(name, func(t *testing.T) {
			magic := len(jpegMagic)
			if name == "png" {
				magic = len(pngMagic)
			}
			for cut := range len(data) {
				want := ErrPhotoCorrupt
				if cut < magic {
					want = ErrPhotoType // too short to tell what it is
				}
				if _, err := CleanPhoto(data[:cut]); !errors.Is(err, want) {
					t.Fatalf("cut at %d of %d: got %v, want %v", cut, len(data), err, want)
				}
			}
		})
	}
}

func TestCleanPhotoRemovesMetadata(t *testing.T) {
	for _, order := range []photoByteOrder{binary.BigEndian, binary.LittleEndian} {
		t.Run(order.String(), func(t *testing.T) {
			jpg := photoWithSegments(photoTestJPEG(t, photoTestCorners(40, 20)),
				photoSegment(0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta exif:GPSLatitude=\"50,22.5N\"/>")),
				photoSegment(0xE1, photoExif(order, 6)),
				photoSegment(0xE2, []byte("ICC_PROFILE\x00\x01\x01 profile bytes")),
				photoSegment(0xFE, []byte("taken at 12 Acacia Avenue")))
			p, err := CleanPhoto(jpg)
			if err != nil {
				t.Fatalf("CleanPhoto: %v", err)
			}
			for _, m := range photoMarkers(t, p.JPEG) {
				if 0xE0 <= m && m <= 0xEF || m == 0xFE {
					t.Errorf("cleaned photo keeps marker %X", m)
				}
			}
			for _, secret := range [][]byte{photoGPSRationals(order), []byte("Exif"), []byte("xmpmeta"),
				[]byte("ICC_PROFILE"), []byte("Acacia")} {
				if bytes.Contains(p.JPEG, secret) {
					t.Errorf("cleaned photo still contains %q", secret)
				}
			}
			img := photoDecode(t, p)
			if p.Width != 20 || p.Height != 40 {
				t.Fatalf("size %dx%d, want 20x40 (orientation 6 turns it upright)", p.Width, p.Height)
			}
			if !photoNear(img.At(17, 2), photoRed, 50) || !photoNear(img.At(17, 37), photoGreen, 50) {
				t.Errorf("after a quarter turn clockwise the red corner %v should be top right, "+
					"the green %v bottom right", img.At(17, 2), img.At(17, 37))
			}
		})
	}
}

func TestCleanPhotoAppliesEveryOrientation(t *testing.T) {
	// Where the stored top-left (red) and top-right (green) corners end up.
	const tl, tr, br, bl = 0, 1, 2, 3
	want := map[uint16][2]int{1: {tl, tr}, 2: {tr, tl}, 3: {br, bl}, 4: {bl, br},
		5: {tl, bl}, 6: {tr, br}, 7: {br, tr}, 8: {bl, tl}}
	jpg := photoTestJPEG(t, photoTestCorners(40, 20))
	for o := uint16(1); o <= 8; o++ {
		p, err := CleanPhoto(photoWithSegments(jpg, photoSegment(0xE1, photoExif(binary.LittleEndian, o))))
		if err != nil {
			t.Fatalf("orientation %d: %v", o, err)
		}
		img := photoDecode(t, p)
		w, h := p.Width, p.Height
		if (o >= 5) != (w == 20 && h == 40) {
			t.Fatalf("orientation %d: size %dx%d", o, w, h)
		}
		corners := [4]image.Point{{2, 2}, {w - 3, 2}, {w - 3, h - 3}, {2, h - 3}}
		red, green := corners[want[o][0]], corners[want[o][1]]
		if !photoNear(img.At(red.X, red.Y), photoRed, 50) || !photoNear(img.At(green.X, green.Y), photoGreen, 50) {
			t.Errorf("orientation %d: red expected at %v, green at %v", o, red, green)
		}
	}
}

func TestCleanPhotoFlattensTransparencyOnWhite(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 32, 32))
	for y := range 32 {
		for x := range 32 {
			c := color.NRGBA{255, 0, 0, 0} // invisible red
			if x >= 16 {
				c = color.NRGBA{0, 0, 0, 128} // half-transparent black
			}
			img.SetNRGBA(x, y, c)
		}
	}
	pal := image.NewPaletted(image.Rect(0, 0, 32, 32), color.Palette{color.Transparent, color.Black})
	for name, data := range map[string][]byte{"rgba": photoTestPNG(t, img), "palette": photoTestPNG(t, pal)} {
		p, err := CleanPhoto(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out := photoDecode(t, p)
		if !photoNear(out.At(4, 16), color.RGBA{255, 255, 255, 255}, 3) {
			t.Errorf("%s: transparent pixel became %v, want white", name, out.At(4, 16))
		}
		if name == "rgba" && !photoNear(out.At(28, 16), color.RGBA{127, 127, 127, 255}, 6) {
			t.Errorf("half-transparent black became %v, want mid grey", out.At(28, 16))
		}
	}
}

func TestCleanPhotoScalesDown(t *testing.T) {
	wide := photoTestJPEG(t, photoTestCorners(3000, 120))
	for _, tc := range []struct {
		name          string
		data          []byte
		width, height int
	}{
		{"wide", wide, 2560, 102},
		{"tall png", photoTestPNG(t, photoTestCorners(90, 2700)), 85, 2560},
		{"turned upright, then fitted", photoWithSegments(wide, photoSegment(0xE1, photoExif(binary.BigEndian, 8))), 102, 2560},
		{"exactly the limit", photoTestPNG(t, photoTestCorners(MaxPhotoSide, 10)), MaxPhotoSide, 10},
		{"one over", photoTestPNG(t, photoTestCorners(MaxPhotoSide+1, 10)), MaxPhotoSide, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := CleanPhoto(tc.data)
			if err != nil {
				t.Fatalf("CleanPhoto: %v", err)
			}
			photoDecode(t, p)
			if p.Width != tc.width || p.Height != tc.height {
				t.Fatalf("size %dx%d, want %dx%d", p.Width, p.Height, tc.width, tc.height)
			}
		})
	}
}
