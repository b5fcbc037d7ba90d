package cases

import (
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"testing"
)

// The seeds in testdata/fuzz/FuzzCleanPhoto are kept too; these are built
// here so that they follow changes to the helpers.
func FuzzCleanPhoto(f *testing.F) {
	small := photoTestCorners(20, 12)
	jpg := photoTestJPEG(f, small)
	alpha := image.NewNRGBA(image.Rect(0, 0, 9, 7))
	alpha.SetNRGBA(3, 3, color.NRGBA{200, 10, 10, 90})
	f.Add(jpg)
	f.Add(photoTestPNG(f, alpha))
	f.Add(photoWithSegments(jpg, photoSegment(markerAPP1, photoExif(binary.BigEndian, 6))))
	f.Add(jpg[:len(jpg)/2])
	f.Add(photoCraftedPNG(20000, 20000))
	f.Add(photoProgressiveJPEG(16, 8, 2))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := CleanPhoto(data)
		if err != nil {
			for _, known := range []error{ErrPhotoType, ErrPhotoTooBig, ErrPhotoPixels, ErrPhotoCorrupt} {
				if errors.Is(err, known) {
					return
				}
			}
			t.Fatalf("error outside the contract: %v", err)
		}
		photoDecode(t, p)
		if p.Width < 1 || p.Height < 1 || max(p.Width, p.Height) > MaxPhotoSide {
			t.Fatalf("cleaned photo is %dx%d", p.Width, p.Height)
		}
		for _, m := range photoMarkers(t, p.JPEG) {
			if 0xE0 <= m && m <= 0xEF || m == 0xFE {
				t.Fatalf("cleaned photo keeps marker %X", m)
			}
		}
	})
}

func FuzzExifOrientation(f *testing.F) {
	f.Add(photoOrientationTIFF(binary.LittleEndian, [4]uint32{0x0112, 3, 1, 6}))
	f.Add(photoOrientationTIFF(binary.BigEndian, [4]uint32{0x0100, 4, 1, 16}, [4]uint32{0x0112, 3, 1, 8}))
	f.Add(photoExif(binary.BigEndian, 3)[len(exifHeader):])
	f.Fuzz(func(t *testing.T, tiff []byte) {
		if o := tiffOrientation(tiff); o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
		// The same bytes as a whole JPEG file and as an EXIF segment in one.
		if o := exifOrientation(tiff); o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
		seg := photoSegment(markerAPP1, append(append([]byte{}, exifHeader...), tiff...))
		if len(seg) <= 0xFFFF+2 {
			if o := exifOrientation(append([]byte{0xFF, 0xD8}, seg...)); o != tiffOrientation(tiff) {
				t.Fatalf("read %d from the segment, %d from its body", o, tiffOrientation(tiff))
			}
		}
	})
}
