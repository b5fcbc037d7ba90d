package cases

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// photoOrientationTIFF is a minimal TIFF body: IFD0 with the given entries
// (tag, type, count, 4-byte value field), in the given byte order.
func photoOrientationTIFF(order photoByteOrder, entries ...[4]uint32) []byte {
	t := []byte("MM\x00\x2a\x00\x00\x00\x08")
	if order == binary.LittleEndian {
		t = []byte("II\x2a\x00\x08\x00\x00\x00")
	}
	t = order.AppendUint16(t, uint16(len(entries)))
	for _, e := range entries {
		t = order.AppendUint16(t, uint16(e[0]))
		t = order.AppendUint16(t, uint16(e[1]))
		t = order.AppendUint32(t, e[2])
		t = order.AppendUint16(t, uint16(e[3])) // a SHORT is left-aligned
		t = append(t, 0, 0)
	}
	return order.AppendUint32(t, 0)
}

func photoExifJPEG(t *testing.T, tiff []byte) []byte {
	jpg := photoTestJPEG(t, photoTestCorners(16, 16))
	return photoWithSegments(jpg, photoSegment(markerAPP1, append([]byte("Exif\x00\x00"), tiff...)))
}

func TestExifOrientation(t *testing.T) {
	jpg := photoTestJPEG(t, photoTestCorners(16, 16))
	for o := uint32(1); o <= 8; o++ {
		for _, order := range []photoByteOrder{binary.BigEndian, binary.LittleEndian} {
			tiff := photoOrientationTIFF(order, [4]uint32{0x010F, 2, 4, 0}, [4]uint32{0x0112, 3, 1, o})
			if got := exifOrientation(photoExifJPEG(t, tiff)); got != int(o) {
				t.Errorf("%v orientation %d: read %d", order, o, got)
			}
		}
	}
	le := binary.LittleEndian
	valid := photoOrientationTIFF(le, [4]uint32{0x0112, 3, 1, 6})
	patched := func(at int, b ...byte) []byte {
		t := bytes.Clone(valid)
		copy(t[at:], b)
		return t
	}
	xmp := photoSegment(markerAPP1, []byte("http://ns.adobe.com/xap/1.0/\x00<x/>"))
	exif := photoSegment(markerAPP1, append([]byte("Exif\x00\x00"), valid...))
	for _, tc := range []struct {
		name string
		data []byte
		want int
	}{
		{"no exif", jpg, 1},
		{"not a jpeg", append([]byte("GIF89a"), exif...), 1},
		{"exif after xmp", photoWithSegments(jpg, xmp, exif), 6},
		{"exif after the image data", append(bytes.Clone(jpg[:len(jpg)-2]), append(exif, 0xFF, markerEOI)...), 1},
		{"value 0", photoExifJPEG(t, photoOrientationTIFF(le, [4]uint32{0x0112, 3, 1, 0})), 1},
		{"value 9", photoExifJPEG(t, photoOrientationTIFF(le, [4]uint32{0x0112, 3, 1, 9})), 1},
		{"type LONG", photoExifJPEG(t, photoOrientationTIFF(le, [4]uint32{0x0112, 4, 1, 6})), 1},
		{"count 2", photoExifJPEG(t, photoOrientationTIFF(le, [4]uint32{0x0112, 3, 2, 6})), 1},
		{"no orientation tag", photoExifJPEG(t, photoOrientationTIFF(le, [4]uint32{0x0110, 3, 1, 6})), 1},
		{"unknown byte order", photoExifJPEG(t, patched(0, 'X', 'X')), 1},
		{"wrong magic", photoExifJPEG(t, patched(2, 43)), 1},
		{"IFD0 beyond the end", photoExifJPEG(t, patched(4, 0xFF, 0xFF, 0xFF, 0xFF)), 1},
		{"IFD0 inside the header", photoExifJPEG(t, patched(4, 2)), 1},
		{"entry count beyond the end", photoExifJPEG(t, patched(8, 0xFF, 0xFF)), 1},
		{"entries cut short", photoExifJPEG(t, valid[:len(valid)-9]), 1},
		{"segment length beyond the file", append(bytes.Clone(jpg[:2]), 0xFF, markerAPP1, 0xFF, 0xFF, 'E'), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := exifOrientation(tc.data); got != tc.want {
				t.Fatalf("read %d, want %d", got, tc.want)
			}
		})
	}
}

// Every prefix of an EXIF segment, as the segment's whole content: nothing
// but a sane orientation may come out, and 6 only once the entry is whole.
func TestExifOrientationOfEveryPrefix(t *testing.T) {
	tiff := photoOrientationTIFF(binary.BigEndian, [4]uint32{0x0100, 4, 1, 16}, [4]uint32{0x0112, 3, 1, 6})
	entryEnd := 8 + 2 + 2*12
	for cut := range len(tiff) + 1 {
		got := tiffOrientation(tiff[:cut])
		if cut < entryEnd && got != 1 || cut >= entryEnd && got != 6 {
			t.Fatalf("prefix of %d bytes: read %d", cut, got)
		}
	}
}

func TestJPEGSegmentsSkipsImageData(t *testing.T) {
	// Entropy-coded data holds 0xFF only as a stuffed "FF 00" or a restart
	// marker "FF Dn"; neither starts a segment.
	data := []byte{0xFF, 0xD8}
	data = append(data, photoSegment(markerSOS, []byte{1, 1, 0, 0, 63, 0})...)
	data = append(data, 0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0xFF, 0xFF, 0xD1, 0x56)
	data = append(data, photoSegment(0xFE, []byte("after"))...)
	data = append(data, 0xFF, markerEOI)
	data = append(data, photoSegment(0xFE, []byte("beyond the end of image"))...)
	var got []string
	for marker, payload := range jpegSegments(data) {
		got = append(got, string([]byte{marker})+string(payload))
	}
	if len(got) != 2 || got[0][0] != markerSOS || got[1] != "\xFEafter" {
		t.Fatalf("segments %q, want the SOS and the comment after its data", got)
	}
}
