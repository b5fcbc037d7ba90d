package cases

import (
	"math"
	"strconv"

	"frontdoor/api/catalogue"
)

// Nearby reports are found through a grid: each item with a location
// stores the key of its cell, the store indexes it, and the nearby query
// asks for the 3×3 block of cells around the new point, then keeps what
// DistanceMetres puts within 50 m. An equality lookup on nine keys works
// the same on every engine, where a geospatial index would not.
//
// Cells are 0.001° of latitude by 0.001° of longitude. The block covers
// every point within 50 m as long as a cell is at least 50 m across in both
// directions, so that such a point is never more than one cell away:
//
//   - north-south, 0.001° is about 111 m everywhere;
//   - east-west, 0.001° is 111 m × cos(latitude): 71 m at Land's End
//     (50°N), 64 m at 55°N and 54 m at 60.8°N, the north of Shetland.
//
// So the block is enough anywhere in the UK (it would stop being enough
// north of about 63°N). Longitude is not wrapped at ±180°: no council is
// there.
const cellsPerDegree = 1000

// earthRadiusMetres is the mean Earth radius (IUGG), which the haversine
// formula treats as a sphere; over 50 m the error against the real
// ellipsoid is well under a metre.
const earthRadiusMetres = 6_371_008.8

// Cell returns the key of the grid cell that holds p, "lat:lng" in
// thousandths of a degree rounded down, e.g. "50375:-4143" for
// 50.3755, -4.1425. Rounding down (not towards zero) keeps cells the same
// size on both sides of the Greenwich meridian and the equator. p must be a
// valid point (finite, as checked when the answer is validated).
func Cell(p catalogue.Point) string {
	return cellKey(cellIndex(p.Lat), cellIndex(p.Lng))
}

// NearbyCells returns the keys of the 3×3 block of cells centred on p's
// cell: every cell that can hold a point within 50 m of p.
func NearbyCells(p catalogue.Point) []string {
	lat, lng := cellIndex(p.Lat), cellIndex(p.Lng)
	out := make([]string, 0, 9)
	for dlat := int64(-1); dlat <= 1; dlat++ {
		for dlng := int64(-1); dlng <= 1; dlng++ {
			out = append(out, cellKey(lat+dlat, lng+dlng))
		}
	}
	return out
}

func cellIndex(deg float64) int64 {
	return int64(math.Floor(deg * cellsPerDegree))
}

func cellKey(lat, lng int64) string {
	return strconv.FormatInt(lat, 10) + ":" + strconv.FormatInt(lng, 10)
}

// DistanceMetres is the great-circle distance between a and b by the
// haversine formula, which stays accurate for the short distances that
// matter here (the spherical law of cosines loses them to rounding).
func DistanceMetres(a, b catalogue.Point) float64 {
	const rad = math.Pi / 180
	lat1, lat2 := a.Lat*rad, b.Lat*rad
	sinDLat := math.Sin((lat2 - lat1) / 2)
	sinDLng := math.Sin((b.Lng - a.Lng) * rad / 2)
	h := sinDLat*sinDLat + math.Cos(lat1)*math.Cos(lat2)*sinDLng*sinDLng
	return 2 * earthRadiusMetres * math.Asin(math.Sqrt(math.Min(h, 1)))
}
