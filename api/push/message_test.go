package push

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestPayloadFitsByCuttingTheBody(t *testing.T) {
	for _, body := range []string{
		strings.Repeat("a", 5000),
		strings.Repeat("ŵ", 2000),             // two bytes each
		strings.Repeat("سلام ", 1000),         // Arabic
		strings.Repeat("\"<quoted>\"\n", 500), // escapes make the JSON longer than the text
		strings.Repeat("😀", 1500),             // four bytes each
	} {
		m := Message{Title: "Alert", Body: body, URL: "/alerts/1", Tag: "a"}
		for _, limit := range []int{maxPayload, 1000, 100} {
			b, err := payload(m, limit)
			if err != nil || len(b) > limit || !utf8.Valid(b) {
				t.Fatalf("limit %d: %d bytes, %v", limit, len(b), err)
			}
			if len(b) < limit-12 && !strings.Contains(string(b), `"body":""`) {
				t.Errorf("limit %d: only %d bytes used", limit, len(b))
			}
			if !strings.Contains(string(b), "…") && !strings.Contains(string(b), `"body":""`) {
				t.Errorf("limit %d: cut without a mark: %s", limit, b[len(b)-40:])
			}
		}
	}
	short := Message{Title: "Hi", Body: "<b>&</b>"}
	if b, _ := payload(short, maxPayload); string(b) != `{"title":"Hi","body":"<b>&</b>"}` {
		t.Errorf("payload = %s", b)
	}
	if _, err := payload(Message{Title: strings.Repeat("t", 200)}, 100); !errors.Is(err, errTooBig) {
		t.Errorf("title over the limit: %v", err)
	}
}

func TestShorten(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"hello world", 20, "hello world"},
		{"hello world", 6, "hello…"},
		{"ŵŵŵ", 3, "ŵ…"}, // cut inside the second ŵ: back to the boundary
		{"ab", 0, ""},
	} {
		if got := shorten(tc.in, tc.n); got != tc.want {
			t.Errorf("shorten(%q, %d) = %q; want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestRecordSize(t *testing.T) {
	for n, want := range map[int]uint32{0: 256, 153: 256, 154: 512, 400: 512, 2400: 2560, 2500: 2700, maxPayload: 2700} {
		if got := recordSize(n); got != want {
			t.Errorf("recordSize(%d) = %d; want %d", n, got, want)
		}
	}
}

func TestTopic(t *testing.T) {
	m := Message{Kind: KindCase, Tag: "case-PL-2025-0042"}
	if got := m.topic(); !topicShape.MatchString(got) || len(got) != 32 {
		t.Errorf("topic %q", got)
	}
	other := Message{Kind: KindAlert, Tag: m.Tag}
	if other.topic() == m.topic() {
		t.Error("two kinds with one tag collapse each other")
	}
	for _, none := range []Message{{Kind: KindCase}, {Kind: KindCode, Tag: "code"}} {
		if none.topic() != "" {
			t.Errorf("%+v has a topic", none)
		}
	}
}

func TestMessageValidate(t *testing.T) {
	ok := Message{Title: "Bins", Body: "Line one\nLine two", URL: "https://council.example/bins", Tag: "bins", Kind: KindAlert}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		edit func(*Message)
		ptr  string
	}{
		{func(m *Message) { m.Title = "" }, "/title"},
		{func(m *Message) { m.Title = strings.Repeat("t", 121) }, "/title"},
		{func(m *Message) { m.Title = "a\u202eb" }, "/title"},
		{func(m *Message) { m.Body = strings.Repeat("b", 2001) }, "/body"},
		{func(m *Message) { m.URL = "javascript:alert(1)" }, "/url"},
		{func(m *Message) { m.URL = "//evil.example/x" }, "/url"},
		{func(m *Message) { m.URL = "http://council.example" }, "/url"},
		{func(m *Message) { m.Tag = strings.Repeat("t", 65) }, "/tag"},
		{func(m *Message) { m.Kind = "very-high" }, "/kind"},
		{func(m *Message) { m.Ref = strings.Repeat("r", 129) }, "/ref"},
	} {
		m := ok
		tc.edit(&m)
		var ve *ValidationError
		if err := m.Validate(); !errors.As(err, &ve) || ve.Fields[0].Pointer != tc.ptr {
			t.Errorf("%+v: %v; want %s", m, err, tc.ptr)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for h, want := range map[string]time.Duration{
		"120":      2 * time.Minute,
		"99999999": maxRetryAfter,
		now.Add(time.Minute).Format(http.TimeFormat): time.Minute,
		now.Add(-time.Hour).Format(http.TimeFormat):  0,
	} {
		if got, ok := retryAfter(h, now); !ok || got != want {
			t.Errorf("retryAfter(%q) = %v, %v; want %v", h, got, ok, want)
		}
	}
	for _, h := range []string{"", "-5", "soon"} {
		if _, ok := retryAfter(h, now); ok {
			t.Errorf("retryAfter(%q) accepted", h)
		}
	}
}
