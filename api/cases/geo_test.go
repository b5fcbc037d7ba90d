package cases

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"frontdoor/api/catalogue"
)

// flatDistance is the equirectangular approximation: independent of the
// haversine code and, over a few kilometres, within a few parts per
// million of it.
func flatDistance(a, b catalogue.Point) float64 {
	const rad = math.Pi / 180
	x := (b.Lng - a.Lng) * rad * math.Cos((a.Lat+b.Lat)/2*rad)
	y := (b.Lat - a.Lat) * rad
	return earthRadiusMetres * math.Hypot(x, y)
}

func TestDistanceMetresKnownDistances(t *testing.T) {
	plymouth := catalogue.Point{Lat: 50.3712, Lng: -4.1425}  // Royal Parade, city centre
	derriford := catalogue.Point{Lat: 50.4166, Lng: -4.1134} // Derriford Hospital
	for _, tc := range []struct {
		name string
		a, b catalogue.Point
		want float64 // metres
		tol  float64 // fraction of want
	}{
		{"one degree of latitude", catalogue.Point{Lat: 50, Lng: -4}, catalogue.Point{Lat: 51, Lng: -4}, 111_195.08, 1e-6},
		{"one degree of longitude on the equator", catalogue.Point{}, catalogue.Point{Lng: 1}, 111_195.08, 1e-6},
		{"half way round the Earth", catalogue.Point{Lng: -90}, catalogue.Point{Lng: 90}, math.Pi * 6_371_008.8, 1e-9},
		{"pole to pole", catalogue.Point{Lat: 90}, catalogue.Point{Lat: -90}, math.Pi * 6_371_008.8, 1e-9},
		{"one cell east-west at the north of Shetland", catalogue.Point{Lat: 60.8, Lng: -0.8}, catalogue.Point{Lat: 60.8, Lng: -0.799}, 54.25, 1e-3},
		{"Plymouth city centre to Derriford", plymouth, derriford, flatDistance(plymouth, derriford), 1e-4},
		{"Land's End to John o' Groats, 603 miles", catalogue.Point{Lat: 50.0657, Lng: -5.7132}, catalogue.Point{Lat: 58.6373, Lng: -3.0689}, 970_400, 0.01},
		{"London to Paris", catalogue.Point{Lat: 51.5074, Lng: -0.1278}, catalogue.Point{Lat: 48.8566, Lng: 2.3522}, 343_500, 0.01},
		{"50 m north", catalogue.Point{Lat: 50.37, Lng: -4.14}, catalogue.Point{Lat: 50.37 + 50/111_195.08, Lng: -4.14}, 50, 1e-6},
	} {
		got := DistanceMetres(tc.a, tc.b)
		if math.Abs(got-tc.want) > tc.tol*tc.want {
			t.Errorf("%s: %.3f m, want %.3f m ± %.4g%%", tc.name, got, tc.want, tc.tol*100)
		}
		if back := DistanceMetres(tc.b, tc.a); math.Abs(back-got) > 1e-6 {
			t.Errorf("%s: not symmetric: %.6f vs %.6f", tc.name, got, back)
		}
	}
	if d := DistanceMetres(plymouth, plymouth); d != 0 {
		t.Errorf("distance from a point to itself = %g", d)
	}
}

func TestCellRoundsDown(t *testing.T) {
	// Points just either side of the meridian and the equator are in
	// different cells: floor, not truncation towards zero.
	for _, pair := range [][2]catalogue.Point{
		{{Lat: 51.4779, Lng: -0.00001}, {Lat: 51.4779, Lng: 0.00001}},
		{{Lat: -0.00001, Lng: 1}, {Lat: 0.00001, Lng: 1}},
	} {
		if Cell(pair[0]) == Cell(pair[1]) {
			t.Errorf("%v and %v share cell %s", pair[0], pair[1], Cell(pair[0]))
		}
	}
	if Cell(catalogue.Point{}) != "0:0" || Cell(catalogue.Point{Lat: math.Copysign(0, -1), Lng: math.Copysign(0, -1)}) != "0:0" {
		t.Error("-0 is not 0")
	}
}

// TestCellsAreAboutCellMetres: neighbouring cells' corners are about
// cellMetres apart both ways in Plymouth, so the nearby block stays close
// to the circle it must cover.
func TestCellsAreAboutCellMetres(t *testing.T) {
	p := catalogue.Point{Lat: 50.3755, Lng: -4.1425}
	cells := NearbyCells(p)
	if len(cells) != 25 || !slices.Contains(cells, Cell(p)) || cells[12] != Cell(p) {
		t.Fatalf("NearbyCells = %v (%d), the middle should be %s", cells, len(cells), Cell(p))
	}
	north := destination(p, 0, 4*cellMetres)
	east := destination(p, math.Pi/2, 4*cellMetres)
	for _, q := range []catalogue.Point{north, east} {
		if slices.Contains(cells, Cell(q)) {
			t.Errorf("a point 100 m away (%v) is in the block: the cells are too big", q)
		}
	}
}

// destination is the point distance metres from p on the given bearing
// (radians from north), by the spherical direct formula.
func destination(p catalogue.Point, bearing, distance float64) catalogue.Point {
	const rad = math.Pi / 180
	lat1, lng1 := p.Lat*rad, p.Lng*rad
	delta := distance / earthRadiusMetres
	lat2 := math.Asin(math.Sin(lat1)*math.Cos(delta) + math.Cos(lat1)*math.Sin(delta)*math.Cos(bearing))
	lng2 := lng1 + math.Atan2(math.Sin(bearing)*math.Sin(delta)*math.Cos(lat1), math.Cos(delta)-math.Sin(lat1)*math.Sin(lat2))
	return catalogue.Point{Lat: lat2 / rad, Lng: lng2 / rad}
}

// Whatever two points within 50 m of each other in the UK, the second's
// cell is one of the NearbyCells of the first: the nearby query cannot
// miss a duplicate. Points are drawn all over the UK's latitudes
// and, to press on the narrowest cells, near the Shetland limit and on a
// cell's edge with the second point 50 m straight across it.
func TestNearbyCellsCoverFiftyMetres(t *testing.T) {
	rng := rand.New(rand.NewPCG(50, 60))
	crossed := 0
	const n = 10_000
	for i := 0; i < n; i++ {
		a := catalogue.Point{Lat: 49.9 + rng.Float64()*(60.8-49.9), Lng: -8.2 + rng.Float64()*10}
		bearing, dist := rng.Float64()*2*math.Pi, 50*math.Sqrt(rng.Float64())
		if i%4 == 0 { // worst case: far north, on the cell's edge, a full 50 m east or west
			a.Lat = 60.8 - rng.Float64()*0.01
			bearing, dist = 3*math.Pi/2, 50
			if i%8 == 0 {
				bearing = math.Pi / 2
			}
		}
		b := destination(a, bearing, dist)
		if d := DistanceMetres(a, b); d > 50+1e-6 {
			t.Fatalf("test point %v is %.6f m from %v", b, d, a)
		}
		if Cell(b) != Cell(a) {
			crossed++
		}
		if !slices.Contains(NearbyCells(a), Cell(b)) {
			t.Fatalf("%v and %v are %.2f m apart but cell %s is not near %s", a, b, DistanceMetres(a, b), Cell(b), Cell(a))
		}
	}
	// Without pairs that straddle cells the test would prove nothing.
	if crossed < n/3 {
		t.Fatalf("only %d of %d pairs crossed a cell edge", crossed, n)
	}
}
