package cases

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
)

// Limits on an uploaded photo. The pixel limit is checked from the file's
// header, before any pixel memory is allocated, so a small file cannot make
// the server reserve gigabytes (a "decompression bomb").
const (
	MaxPhotoBytes  = 10 << 20   // 10 MB upload limit
	MaxPhotoPixels = 40_000_000 // 40 megapixels
	MaxPhotoSide   = 2560       // longer side of the stored image, after cleaning
)

// Why CleanPhoto refused a photo.
var (
	// The content is not JPEG or PNG, whatever its name or declared type.
	ErrPhotoType = errors.New("cases: not a JPEG or PNG photo")
	// More than MaxPhotoBytes.
	ErrPhotoTooBig = errors.New("cases: photo too large")
	// The header declares more than MaxPhotoPixels.
	ErrPhotoPixels = errors.New("cases: photo has too many pixels")
	// Truncated or broken, or built to make decoding take far too long.
	ErrPhotoCorrupt = errors.New("cases: photo cannot be read")
)

// Photo is an uploaded photo after cleaning: a baseline JPEG with no
// metadata at all (no EXIF, GPS, XMP, ICC profile or comment).
type Photo struct {
	JPEG          []byte
	Width, Height int
}

// photoQuality keeps evidence photos sharp at about a tenth of raw size.
const photoQuality = 85

type photoFormat int

const (
	photoFormatUnknown photoFormat = iota
	photoFormatJPEG
	photoFormatPNG
)

var (
	jpegMagic = []byte{0xFF, 0xD8, 0xFF}
	pngMagic  = []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}
)

// CleanPhoto checks an uploaded photo and re-encodes it: the right way up,
// no larger than MaxPhotoSide on its longer side, transparent areas on white,
// and stripped of all metadata, so a resident's location never leaks from the
// EXIF of a photo they attach.
func CleanPhoto(data []byte) (Photo, error) {
	if len(data) > MaxPhotoBytes {
		return Photo{}, ErrPhotoTooBig
	}
	format := sniffPhoto(data)
	if format == photoFormatUnknown {
		return Photo{}, ErrPhotoType
	}
	if err := checkPhotoHeader(format, data); err != nil {
		return Photo{}, err
	}
	img, err := decodePhoto(format, data)
	if err != nil {
		return Photo{}, err
	}
	orientation := 1
	if format == photoFormatJPEG {
		orientation = exifOrientation(data)
	}
	b := img.Bounds()
	w, h := fitPhoto(b.Dx(), b.Dy(), MaxPhotoSide)
	pic := orientPhoto(shrinkPhoto(img, w, h), orientation)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, pic, &jpeg.Options{Quality: photoQuality}); err != nil {
		return Photo{}, fmt.Errorf("cases: encode photo: %w", err)
	}
	return Photo{JPEG: buf.Bytes(), Width: pic.Rect.Dx(), Height: pic.Rect.Dy()}, nil
}

// sniffPhoto decides the format from the content alone: a file's name and
// declared type are whatever the sender chose to say.
func sniffPhoto(data []byte) photoFormat {
	switch {
	case bytes.HasPrefix(data, jpegMagic):
		return photoFormatJPEG
	case bytes.HasPrefix(data, pngMagic):
		return photoFormatPNG
	}
	return photoFormatUnknown
}

// checkPhotoHeader refuses, from the header alone, any photo whose decoding
// would cost too much memory or time.
func checkPhotoHeader(format photoFormat, data []byte) error {
	var cfg image.Config
	var err error
	if format == photoFormatJPEG {
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	} else {
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	}
	if err != nil {
		return ErrPhotoCorrupt
	}
	if err := checkPixels(cfg.Width, cfg.Height); err != nil {
		return err
	}
	if format == photoFormatJPEG && jpegTooManyScans(data) {
		return ErrPhotoCorrupt
	}
	return nil
}

// checkPixels works in int64 so that no pair of dimensions can overflow
// into a small, acceptable product.
func checkPixels(width, height int) error {
	if width <= 0 || height <= 0 {
		return ErrPhotoCorrupt
	}
	if int64(width)*int64(height) > MaxPhotoPixels {
		return ErrPhotoPixels
	}
	return nil
}

func decodePhoto(format photoFormat, data []byte) (image.Image, error) {
	var img image.Image
	var err error
	if format == photoFormatJPEG {
		img, err = jpeg.Decode(bytes.NewReader(data))
	} else {
		img, err = png.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return nil, ErrPhotoCorrupt
	}
	// The header was checked, not the pixels: refuse any disagreement.
	b := img.Bounds()
	if checkPixels(b.Dx(), b.Dy()) != nil {
		return nil, ErrPhotoCorrupt
	}
	return img, nil
}
