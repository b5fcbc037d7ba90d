package notify

import (
	"bytes"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"
)

// FuzzEncodeHeader: any subject either is refused (line breaks, controls,
// invalid UTF-8) or makes a message whose lines are short, whose subject
// decodes back to it exactly and whose body decodes to what was given.
// Seeds: testdata/fuzz/FuzzEncodeHeader.
func FuzzEncodeHeader(f *testing.F) {
	for _, s := range []string{"", "Update on your request K7M-Q2X-9PT", "Mae eich cais wedi'i ddatrys — ŵ ŷ",
		"استلمنا طلبك K7M-Q2X-9PT", "=?utf-8?b?QQ==?=", "Hi\r\nBcc: x@example.com", strings.Repeat("long words ", 40)} {
		f.Add(s, "Body line\n.\nend =")
	}
	f.Fuzz(func(t *testing.T, subject, body string) {
		m := mailMessage{From: mail.Address{Name: "Council", Address: "noreply@council.example"}, To: "a@example.com",
			Subject: subject, Body: body, Date: time.Unix(0, 0).UTC(), MessageID: "id@council.example"}
		raw, err := m.Bytes()
		if checkHeaderValue(subject) != nil {
			if err == nil {
				t.Fatalf("subject %q with a control character or bad UTF-8 was accepted", subject)
			}
			return
		}
		if err != nil {
			t.Fatalf("subject %q: %v", subject, err)
		}
		head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
		for _, line := range strings.Split(string(head), "\r\n") {
			if len(line) > 998 || strings.ContainsAny(line, "\r\n") {
				t.Fatalf("header line %q", line)
			}
			name, _, ok := strings.Cut(line, ":")
			if !strings.HasPrefix(line, " ") && (!ok || strings.ContainsAny(name, " \t")) {
				t.Fatalf("subject %q made a line that is neither a header nor a continuation: %q", subject, line)
			}
		}
		p, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		got, err := new(mime.WordDecoder).DecodeHeader(p.Header.Get("Subject"))
		if err != nil || got != strings.Join(strings.Fields(subject), " ") && got != strings.TrimSpace(subject) {
			t.Fatalf("subject %q decodes to %q (%v)", subject, got, err)
		}
		if len(p.Header["Bcc"]) > 0 || len(p.Header["Subject"]) != 1 {
			t.Fatalf("subject %q injected a header", subject)
		}
		decoded, err := io.ReadAll(quotedprintable.NewReader(p.Body))
		// Line breaks of any kind (CRLF, LF, a lone CR) become CRLF, and the body ends with one.
		want := strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(strings.ToValidUTF8(body, "\uFFFD"))
		if !strings.HasSuffix(want, "\n") {
			want += "\n"
		}
		if got := strings.ReplaceAll(string(decoded), "\r\n", "\n"); err != nil || got != want {
			t.Fatalf("body %q decodes to %q (%v)", body, got, err)
		}
	})
}

// FuzzRenderData: whatever text an event carries, Notify either refuses it
// or every language renders it without panicking, losing it, or letting it
// reach a subject as more than one line. Seeds: testdata/fuzz/FuzzRenderData.
func FuzzRenderData(f *testing.F) {
	for _, s := range [][2]string{{"Our crew will come back tomorrow.", "K7M-Q2X-9PT"}, {"{{.URL}} {{template}}", "<no value>"},
		{"Line\nbreak\r\nand tab\t", "ŵ-ش"}, {"", ""}, {"\u202eRTL override", "x\x00y"}} {
		f.Add(s[0], s[1])
	}
	s := &Service{opts: Options{Localize: localize()}}
	f.Fuzz(func(t *testing.T, update, reference string) {
		ev := Event{Key: "k", Kind: KindCaseUpdate, Topic: TopicCaseUpdates, To: Recipient{Resident: "r1"}, URL: "https://x.example/t",
			Data: map[string]any{"Update": update, "Reference": reference, "Service": "Bins"}}
		if checkEvent(ev) != nil || checkNeeds(ev) != nil {
			return
		}
		for _, lang := range Languages {
			r := s.render(lang, ev, true)
			if !strings.Contains(r.Body, update) {
				t.Fatalf("%s body lost the update %q: %q", lang, update, r.Body)
			}
			if strings.ContainsAny(r.Title, "\r\n") || checkHeaderValue(r.Title) != nil {
				t.Fatalf("%s title %q cannot be a subject", lang, r.Title)
			}
			if strings.Contains(r.Title, "Notify_") {
				t.Fatalf("%s: message missing: %q", lang, r.Title)
			}
		}
	})
}
