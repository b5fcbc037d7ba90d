package catalogue

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Area is the council's area: location answers must fall inside it.
// Polygon's vertices are in order and the last joins the first. An Area
// without at least three vertices contains nothing.
type Area struct {
	Name    string  `json:"name"`
	Polygon []Point `json:"polygon"`
}

// maxVertices bounds a configured polygon; a council boundary drawn for
// this purpose needs a few hundred at most.
const maxVertices = 10000

// ParseArea reads an area from configuration: a bounding box
// "minLat,minLng,maxLat,maxLng", or a polygon "lat lng; lat lng; lat lng; ..."
// of at least three vertices.
func ParseArea(s string) (Area, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Area{}, errors.New("area: empty; give a bounding box \"minLat,minLng,maxLat,maxLng\" or a polygon \"lat lng; lat lng; lat lng\"")
	}
	if !strings.Contains(s, ";") && strings.Count(s, ",") == 3 {
		return parseBox(s)
	}
	return parsePolygon(s)
}

func parseBox(s string) (Area, error) {
	var v [4]float64
	for i, f := range strings.Split(s, ",") {
		n, err := parseCoord(f)
		if err != nil {
			return Area{}, fmt.Errorf("area: bounding box value %d: %w", i+1, err)
		}
		v[i] = n
	}
	lo, hi := Point{v[0], v[1]}, Point{v[2], v[3]}
	if err := lo.check(); err != nil {
		return Area{}, fmt.Errorf("area: bounding box minimum: %w", err)
	}
	if err := hi.check(); err != nil {
		return Area{}, fmt.Errorf("area: bounding box maximum: %w", err)
	}
	if lo.Lat >= hi.Lat || lo.Lng >= hi.Lng {
		return Area{}, errors.New("area: bounding box must be \"minLat,minLng,maxLat,maxLng\" with each minimum below its maximum")
	}
	return Area{Polygon: []Point{lo, {lo.Lat, hi.Lng}, hi, {hi.Lat, lo.Lng}}}, nil
}

func parsePolygon(s string) (Area, error) {
	parts := strings.Split(strings.TrimSuffix(s, ";"), ";")
	if len(parts) < 3 {
		return Area{}, fmt.Errorf("area: a polygon needs at least 3 vertices \"lat lng; lat lng; lat lng\", got %d", len(parts))
	}
	if len(parts) > maxVertices {
		return Area{}, fmt.Errorf("area: a polygon may have at most %d vertices, got %d", maxVertices, len(parts))
	}
	a := Area{Polygon: make([]Point, 0, len(parts))}
	for i, part := range parts {
		f := strings.Fields(strings.ReplaceAll(part, ",", " "))
		if len(f) != 2 {
			return Area{}, fmt.Errorf("area: vertex %d: want \"lat lng\", got %q", i+1, strings.TrimSpace(part))
		}
		lat, err := parseCoord(f[0])
		if err == nil {
			var lng float64
			lng, err = parseCoord(f[1])
			p := Point{lat, lng}
			if err == nil {
				err = p.check()
			}
			a.Polygon = append(a.Polygon, p)
		}
		if err != nil {
			return Area{}, fmt.Errorf("area: vertex %d: %w", i+1, err)
		}
	}
	return a, nil
}

func parseCoord(s string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || !finite(f) {
		return 0, fmt.Errorf("%q is not a number of degrees", strings.TrimSpace(s))
	}
	return f, nil
}

// check says whether p is a place on Earth in WGS84 degrees.
func (p Point) check() error {
	switch {
	case !finite(p.Lat) || !finite(p.Lng):
		return errors.New("latitude and longitude must be numbers")
	case p.Lat < -90 || p.Lat > 90:
		return fmt.Errorf("latitude %v is not between -90 and 90", p.Lat)
	case p.Lng < -180 || p.Lng > 180:
		return fmt.Errorf("longitude %v is not between -180 and 180", p.Lng)
	}
	return nil
}

// Contains says whether p is inside the area or on its edge, by casting a
// ray east from p and counting the edges it crosses. Latitude and longitude
// are used as plane coordinates, which is exact enough at a city's scale.
func (a Area) Contains(p Point) bool {
	n := len(a.Polygon)
	if n < 3 || !finite(p.Lat) || !finite(p.Lng) {
		return false
	}
	inside := false
	for i, j := 0, n-1; i < n; j, i = i, i+1 {
		u, v := a.Polygon[j], a.Polygon[i]
		if onSegment(p, u, v) {
			return true
		}
		if (v.Lat > p.Lat) != (u.Lat > p.Lat) {
			x := (u.Lng-v.Lng)*(p.Lat-v.Lat)/(u.Lat-v.Lat) + v.Lng
			if p.Lng < x {
				inside = !inside
			}
		}
	}
	return inside
}

// onSegment says whether p lies on the segment u-v, within a tolerance of
// about a millimetre.
func onSegment(p, u, v Point) bool {
	const eps = 1e-8
	if p.Lat < math.Min(u.Lat, v.Lat)-eps || p.Lat > math.Max(u.Lat, v.Lat)+eps ||
		p.Lng < math.Min(u.Lng, v.Lng)-eps || p.Lng > math.Max(u.Lng, v.Lng)+eps {
		return false
	}
	cross := (v.Lng-u.Lng)*(p.Lat-u.Lat) - (v.Lat-u.Lat)*(p.Lng-u.Lng)
	length := math.Hypot(v.Lng-u.Lng, v.Lat-u.Lat)
	if length == 0 {
		return true // u and v are one point, and p is within eps of it
	}
	return math.Abs(cross)/length <= eps
}

// Plymouth is the demo council's area: an approximate outline of Plymouth
// City Council's boundary, drawn by hand from general geography (the Tamar
// to the west, Tamerton Foliot and Derriford to the north, Plympton to the
// east, Plymstock and Plymouth Sound to the south). It is good enough to
// tell a report in the city from one in Cornwall or the South Hams; a real
// deployment configures the council's published boundary.
var Plymouth = Area{Name: "Plymouth", Polygon: []Point{
	{50.3500, -4.1650}, // Plymouth Sound, south of Devil's Point
	{50.3615, -4.1665}, // the mouth of the Hamoaze, Cremyll (Cornwall) to the west
	{50.3670, -4.1800}, // off Mount Wise
	{50.3760, -4.1895}, // the Tamar between Devonport and Torpoint
	{50.3900, -4.1970}, // off Keyham and the dockyard
	{50.4090, -4.2070}, // the Tamar bridges, Saltash (Cornwall) to the west
	{50.4250, -4.2050}, // off Ernesettle
	{50.4380, -4.1750}, // Tamerton Foliot, north side
	{50.4450, -4.1400}, // Southway and Widewell
	{50.4400, -4.1050}, // Derriford and Roborough
	{50.4250, -4.0750}, // Estover and Glenholt
	{50.4050, -4.0550}, // the Plym valley
	{50.4000, -4.0200}, // Plympton, north-east
	{50.3780, -4.0100}, // Plympton, south-east (Chaddlewood)
	{50.3600, -4.0400}, // Elburton
	{50.3400, -4.0800}, // Staddiscombe and Goosewell
	{50.3450, -4.1200}, // Jennycliff
	{50.3500, -4.1450}, // Plymouth Sound, off the Hoe
}}
