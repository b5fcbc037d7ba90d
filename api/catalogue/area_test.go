package catalogue

import (
	"math"
	"strings"
	"testing"
)

func TestParseArea(t *testing.T) {
	box, err := ParseArea(" 50.33,-4.21, 50.45,-4.0 ")
	if err != nil {
		t.Fatalf("bounding box: %v", err)
	}
	if len(box.Polygon) != 4 || !box.Contains(Point{50.4, -4.1}) || box.Contains(Point{50.5, -4.1}) {
		t.Errorf("bounding box parsed as %v", box.Polygon)
	}
	tri, err := ParseArea("50 -4; 51 -4; 51,-3;")
	if err != nil {
		t.Fatalf("polygon: %v", err)
	}
	if want := []Point{{50, -4}, {51, -4}, {51, -3}}; len(tri.Polygon) != 3 || tri.Polygon[2] != want[2] {
		t.Errorf("polygon parsed as %v, want %v", tri.Polygon, want)
	}
	for _, tt := range []struct{ in, want string }{
		{"", "empty"},
		{"50.45,-4.21,50.33,-4.0", "each minimum below its maximum"},
		{"50.3,-4.2,50.4", "at least 3 vertices"},
		{"50 -4; 51 -4", "at least 3 vertices"},
		{"50 -4; 51 -4; 51", `vertex 3: want "lat lng"`},
		{"50 -4; 51 x; 51 -3", `vertex 2: "x" is not a number`},
		{"50 -4; NaN -4; 51 -3", `vertex 2: "NaN" is not a number`},
		{"50 -4; 91 -4; 51 -3", "latitude 91 is not between -90 and 90"},
		{"50 -4; 51 -181; 51 -3", "longitude -181 is not between -180 and 180"},
		{"50,-4,Inf,-3", "bounding box value 3"},
		{"50,-4,51,181", "bounding box maximum: longitude 181"},
		{strings.Repeat("50 -4;", maxVertices+1), "at most 10000 vertices"},
	} {
		_, err := ParseArea(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseArea(%.40q) = %v; want an error containing %q", tt.in, err, tt.want)
		}
	}
}

func TestAreaContains(t *testing.T) {
	// A U shape: the notch between its arms is outside.
	u := Area{Polygon: []Point{{0, 0}, {0, 3}, {3, 3}, {3, 2}, {1, 2}, {1, 1}, {3, 1}, {3, 0}}}
	for _, tt := range []struct {
		name string
		p    Point
		want bool
	}{
		{"inside the bottom", Point{0.5, 1.5}, true},
		{"inside an arm", Point{2, 0.5}, true},
		{"in the notch", Point{2, 1.5}, false},
		{"outside", Point{4, 1}, false},
		{"on an edge", Point{0, 1.5}, true},
		{"on the notch's edge", Point{2, 1}, true},
		{"on a vertex", Point{3, 3}, true},
		{"level with a vertex, outside", Point{3, 4}, false},
		{"NaN", Point{math.NaN(), 1}, false},
		{"infinity", Point{1, math.Inf(1)}, false},
	} {
		if got := u.Contains(tt.p); got != tt.want {
			t.Errorf("%s %v: Contains = %v, want %v", tt.name, tt.p, got, tt.want)
		}
	}
	if (Area{Polygon: []Point{{0, 0}, {1, 1}}}).Contains(Point{0, 0}) {
		t.Error("two vertices make no area")
	}
}

func TestPlymouth(t *testing.T) {
	if n := len(Plymouth.Polygon); n < 12 || n > 20 {
		t.Errorf("Plymouth has %d vertices, want 12 to 20", n)
	}
	for _, tt := range []struct {
		place string
		p     Point
		want  bool
	}{
		{"the city centre", Point{50.3755, -4.1427}, true},
		{"the Hoe", Point{50.3645, -4.1415}, true},
		{"Derriford Hospital", Point{50.4166, -4.1131}, true},
		{"Plympton", Point{50.386, -4.05}, true},
		{"Plymstock", Point{50.360, -4.090}, true},
		{"Devonport", Point{50.3700, -4.1750}, true},
		{"Tamerton Foliot", Point{50.4255, -4.1645}, true},
		{"Torpoint, across the Tamar", Point{50.3746, -4.1946}, false},
		{"Saltash, across the Tamar", Point{50.4086, -4.2141}, false},
		{"Cremyll, across the Hamoaze", Point{50.3590, -4.1693}, false},
		{"Ivybridge", Point{50.389, -3.92}, false},
		{"Tavistock", Point{50.55, -4.14}, false},
		{"Wembury", Point{50.318, -4.083}, false},
	} {
		if got := Plymouth.Contains(tt.p); got != tt.want {
			t.Errorf("%s %v: Contains = %v, want %v", tt.place, tt.p, got, tt.want)
		}
	}
}
