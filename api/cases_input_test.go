package api

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"
)

// pngHeader is a PNG that declares w×h pixels and holds almost nothing: a
// decompression bomb, if anyone decoded it.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(kind string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(kind)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(kind), data...)))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

// TestPhotoUploadsRefused: the type is judged by content, bombs are refused
// before decoding, broken files are a clear 400, and nothing is kept.
func TestPhotoUploadsRefused(t *testing.T) {
	e := newCasesEnv(t)
	good := jpegPhoto(t, 40, 30)
	cases := []struct {
		name, file string
		data       []byte
		status     int
		slug       string
	}{
		{"text named .jpg", "photo.jpg", []byte("just some text, honestly a photo"), 415, "photo-type"},
		{"html", "x.png", []byte("<html><script>alert(1)</script></html>"), 415, "photo-type"},
		{"gif", "x.gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), 415, "photo-type"},
		{"empty", "x.jpg", nil, 415, "photo-type"},
		{"truncated jpeg", "x.jpg", good[:len(good)/2], 400, "photo-unreadable"},
		{"decompression bomb", "bomb.png", pngHeader(20000, 20000), 413, "photo-too-many-pixels"},
		{"over 10 MB", "big.jpg", append(append([]byte{}, good...), make([]byte, 10<<20)...), 413, "file-too-large"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mustProblem(t, e.upload(t, "", tc.file, tc.data), tc.status, tc.slug)
		})
	}
	r := do(t, "POST", e.url+"/api/v1/attachments", map[string]string{"Content-Type": jsonCT}, `{"file": "x"}`)
	mustProblem(t, r, 400, "validation")
	// A good one still works, renamed or not.
	if r := e.upload(t, "", "IMG_0001.HEIC", good); r.status != 201 {
		t.Fatalf("a real JPEG with an odd name: %s", r)
	}
}

// TestCaseInputRefused: every question type with wrong, missing, over-long
// and hostile values; each error points at its field, and nothing is made.
func TestCaseInputRefused(t *testing.T) {
	e := newCasesEnv(t)
	_, token := e.signUp(t, "ada@example.org", "Ada")
	other := func(answers string) string {
		return fmt.Sprintf(`{"items": [{"service": "missed-bin", "answers": %s}]}`, answers)
	}
	addr := `{"line1": "1 Armada Way", "town": "Plymouth", "postcode": "PL1 2AA"}`
	ok := `"address": ` + addr + `, "bin-type": "recycling", "collection-date": "2026-11-20", "bin-out": true`
	table := []struct{ name, body, pointer string }{
		{"choice not offered", other(`{` + strings.Replace(ok, "recycling", "plutonium", 1) + `}`), "/items/0/answers/bin-type"},
		{"choice as number", other(`{` + strings.Replace(ok, `"recycling"`, `7`, 1) + `}`), "/items/0/answers/bin-type"},
		{"date not real", other(`{` + strings.Replace(ok, "2026-11-20", "2026-02-30", 1) + `}`), "/items/0/answers/collection-date"},
		{"date as words", other(`{` + strings.Replace(ok, "2026-11-20", "last Tuesday", 1) + `}`), "/items/0/answers/collection-date"},
		{"yes/no as string", other(`{` + strings.Replace(ok, "true", `"yes"`, 1) + `}`), "/items/0/answers/bin-out"},
		{"missing required", other(`{"address": ` + addr + `}`), "/items/0/answers/bin-type"},
		{"bad postcode", other(`{` + strings.Replace(ok, "PL1 2AA", "ZZ99 9ZZ9", 1) + `}`), "/items/0/answers/address/postcode"},
		{"address not an object", other(`{` + strings.Replace(ok, addr, `"1 Armada Way"`, 1) + `}`), "/items/0/answers/address"},
		{"over-long details", other(`{` + ok + `, "details": "` + strings.Repeat("x", 5000) + `"}`), "/items/0/answers/details"},
		{"hostile text", other(`{` + ok + `, "details": "bad \u0000 byte"}`), "/items/0/answers/details"},
		{"unknown question", other(`{` + ok + `, "favourite-colour": "blue"}`), "/items/0/answers/favourite-colour"},
		{"point outside the area", fmt.Sprintf(`{"items": [{"service": "pothole", "answers": {"location": %s}}]}`, pointJSON(torpoint)), "/items/0/answers/location"},
		{"point not numbers", `{"items": [{"service": "pothole", "answers": {"location": {"lat": "north", "lng": 0}}}]}`, "/items/0/answers/location/lat"},
		{"photos not a list", fmt.Sprintf(`{"items": [{"service": "pothole", "answers": {"location": %s, "photos": "abc"}}]}`, pointJSON(theHoe)), "/items/0/answers/photos"},
		{"six photos", fmt.Sprintf(`{"items": [{"service": "pothole", "answers": {"location": %s, "photos": ["a","b","c","d","e","f"]}}]}`, pointJSON(theHoe)), "/items/0/answers/photos"},
		{"someone else's photo id", fmt.Sprintf(`{"items": [{"service": "pothole", "answers": {"location": %s, "surface": "road", "size": "large",
			"dangerous": true, "photos": ["%s"]}}]}`, pointJSON(theHoe), mustUpload(t, e, "")), "/items/0/answers/photos/0"},
		{"unknown service", `{"items": [{"service": "moon-landing", "answers": {}}]}`, "/items/0/service"},
		{"residents pick no channel", `{"items": [{"service": "pothole", "answers": {}}], "channel": "phone"}`, "/channel"},
	}
	for _, tc := range table {
		t.Run(tc.name, func(t *testing.T) {
			p := mustProblem(t, e.call(t, "POST", "/api/v1/cases", token, tc.body), 400, "validation")
			found := false
			for _, f := range p.Errors {
				found = found || f.Pointer == tc.pointer
				if f.Detail == "" {
					t.Errorf("an error without words at %s", f.Pointer)
				}
			}
			if !found {
				t.Errorf("no error at %s: %+v", tc.pointer, p.Errors)
			}
		})
	}
	mustProblem(t, e.call(t, "POST", "/api/v1/cases", token, `{"items": "all of them"}`), 400, "invalid-body")
	mustProblem(t, e.call(t, "POST", "/api/v1/cases", token, `{"items": [`), 400, "malformed-json")
	mustProblem(t, e.call(t, "POST", "/api/v1/cases", token, `{"items": [], "extra": 1}`), 400, "invalid-body")
	mustProblem(t, e.call(t, "POST", "/api/v1/cases", token, `{"items": [{"service": "x", "answers": {}}], "contact": {"email": "a@b.c"}, "pad": "`+strings.Repeat("x", 2<<20)+`"}`), 413, "too-large")
	if n := len(mustJSON[struct{ Items []caseJSON }](t, e.call(t, "GET", "/api/v1/cases", token, ""), 200).Items); n != 0 {
		t.Errorf("%d cases made from refused requests", n)
	}
	// Near-miss and garbage references are simply not there.
	for _, ref := range []string{"WM6-NQB-ZQ", "WM6-NQB-ZQ2X", "0O1-IL0-OOO", "../../etc/passwd", "%00", strings.Repeat("A", 300)} {
		if r := e.call(t, "GET", "/api/v1/cases/"+ref, token, ""); r.status != 404 {
			t.Errorf("reference %q: %d", ref, r.status)
		}
	}
	// nearby checks its parameters.
	for _, q := range []string{"", "service=pothole", "service=pothole&lat=91&lng=0", "service=pothole&lat=50&lng=NaN", "lat=50&lng=-4"} {
		mustProblem(t, e.call(t, "GET", "/api/v1/cases/nearby?"+q, "", ""), 400, "validation")
	}
}
