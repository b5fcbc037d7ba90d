package catalogue

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestServiceViewShape pins the JSON other clients rely on (issue 4).
func TestServiceViewShape(t *testing.T) {
	s := testService("fly-tipping")
	s.Channels, s.Related = nil, nil
	s.Form.Version = 3
	s.Form.Questions[0].Hint = Text{"en": "Pin it", "cy": "Rhowch bin"}
	b, err := json.Marshal(s.View("cy"))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	json.Unmarshal(b, &got)
	keys := func(m map[string]any) string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return strings.Join(ks, " ")
	}
	if k := keys(got); k != "anonymous channels code description form group name related standard team tier" {
		t.Errorf("service keys %q", k)
	}
	if k := keys(got["standard"].(map[string]any)); k != "target unit we_ask we_will" {
		t.Errorf("standard keys %q", k)
	}
	if !strings.Contains(string(b), `"channels":[]`) || !strings.Contains(string(b), `"related":[]`) {
		t.Errorf("empty lists must be [] not null: %s", b)
	}
	if got["name"] != "Rhoi gwybod" || got["description"] != "Tell us." {
		t.Errorf("Welsh name %v, English fallback description %v", got["name"], got["description"])
	}
	form := got["form"].(map[string]any)
	qs := form["questions"].([]any)
	if form["version"] != 3.0 || len(qs) != len(s.Form.Questions) {
		t.Fatalf("form %v", form)
	}
	want := []string{
		"hint id label required type",               // point, with a hint
		"id label options required type",            // choice
		"id label required type",                    // yes/no
		"id label max_length required show_if type", // conditional text
		"id label max min required type",            // number
	}
	for i, w := range want {
		if k := keys(qs[i].(map[string]any)); k != w {
			t.Errorf("question %d keys %q, want %q", i, k, w)
		}
	}
	owner := qs[3].(map[string]any)
	if owner["max_length"] != 200.0 || keys(owner["show_if"].(map[string]any)) != "equals question" {
		t.Errorf("conditional text question %v", owner)
	}
	if opts := qs[1].(map[string]any)["options"].([]any); keys(opts[0].(map[string]any)) != "label value" {
		t.Errorf("option %v", opts[0])
	}
}
