package cases

import (
	"bytes"
	"encoding/binary"
	"iter"
)

// JPEG markers this file looks at.
const (
	markerSOF0 = 0xC0 // start of frame, baseline
	markerSOF1 = 0xC1 // start of frame, extended sequential
	markerSOS  = 0xDA // start of scan: entropy-coded image data follows
	markerEOI  = 0xD9
	markerAPP1 = 0xE1 // EXIF and XMP live here
)

// maxProgressiveScans bounds the work of decoding a progressive JPEG. Each
// scan revisits every block of the image, and a scan that only says "nothing
// changes here" takes a few dozen bytes, so without a bound a 10 MB file could
// keep the decoder busy for an hour. Encoders write about 10 scans.
const maxProgressiveScans = 100

// tagOrientation is the EXIF Orientation tag in IFD0.
const tagOrientation = 0x0112

var exifHeader = []byte("Exif\x00\x00")

// jpegSegments yields the marker and payload of each segment of a JPEG file
// until EOI or the first malformed segment. It skips entropy-coded data the
// way image/jpeg does: a byte 0xFF there is followed by 0x00 (a stuffed
// byte) or a restart marker, and anything else ends the data.
func jpegSegments(data []byte) iter.Seq2[byte, []byte] {
	return func(yield func(byte, []byte) bool) {
		if len(data) < 2 || data[0] != 0xFF || data[1] != 0xD8 {
			return
		}
		pos := 2
		for {
			i := bytes.IndexByte(data[pos:], 0xFF)
			if i < 0 {
				return
			}
			pos += i + 1
			for pos < len(data) && data[pos] == 0xFF { // fill bytes
				pos++
			}
			if pos >= len(data) {
				return
			}
			marker := data[pos]
			pos++
			if marker == 0x00 || 0xD0 <= marker && marker <= 0xD7 {
				continue // inside entropy-coded data
			}
			if marker == markerEOI || pos+2 > len(data) {
				return
			}
			n := int(binary.BigEndian.Uint16(data[pos:]))
			if n < 2 || pos+n > len(data) {
				return
			}
			if !yield(marker, data[pos+2:pos+n]) {
				return
			}
			pos += n
		}
	}
}

// jpegTooManyScans reports whether a JPEG has more scans than a sound file
// needs. A sequential JPEG codes each component in exactly one scan, so a
// repeated scan only makes the decoder do all its work again.
func jpegTooManyScans(data []byte) bool {
	limit, scans := maxProgressiveScans, 0
	for marker, payload := range jpegSegments(data) {
		switch marker {
		case markerSOF0, markerSOF1:
			if len(payload) >= 6 {
				limit = int(payload[5]) // number of components
			}
		case markerSOS:
			scans++
		}
	}
	return scans > limit
}

// exifOrientation returns the EXIF Orientation (1 to 8) of a JPEG file, or
// 1 (as stored) when there is none or the EXIF cannot be trusted. It never
// fails: a photo with broken metadata is still a photo.
func exifOrientation(data []byte) int {
	for marker, payload := range jpegSegments(data) {
		if marker == markerSOS {
			break // metadata comes before the image data
		}
		if marker == markerAPP1 && bytes.HasPrefix(payload, exifHeader) {
			return tiffOrientation(payload[len(exifHeader):])
		}
	}
	return 1
}

// tiffOrientation reads the Orientation entry of IFD0 in a TIFF structure
// (the body of an EXIF segment). Offsets are relative to the TIFF header and
// every one is checked against the length before use.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 1
	}
	if order.Uint16(t[2:]) != 42 {
		return 1
	}
	size := uint64(len(t))
	ifd := uint64(order.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > size {
		return 1
	}
	count := uint64(order.Uint16(t[ifd:]))
	first := ifd + 2
	if first+count*12 > size {
		return 1
	}
	for i := range count {
		e := t[first+i*12 : first+i*12+12]
		if order.Uint16(e) != tagOrientation {
			continue
		}
		const typeShort = 3
		if order.Uint16(e[2:]) != typeShort || order.Uint32(e[4:]) != 1 {
			return 1
		}
		if v := int(order.Uint16(e[8:])); 1 <= v && v <= 8 {
			return v
		}
		return 1
	}
	return 1
}
