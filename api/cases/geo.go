package cases

import (
	"math"
	"strconv"

	"frontdoor/api/catalogue"
)

// Nearby reports are found through a grid: each item with a location
// stores the key of its cell, the store indexes it, and the nearby query
// asks for the block of cells around the new point, then keeps what
// DistanceMetres puts within NearbyRadius. An equality lookup on a list of
// keys works the same on every engine, where a geospatial index would not.
//
// Cells are about cellMetres square: rows of cellMetres of latitude, and in
// each row columns of cellMetres of longitude measured at the row's
// pole-ward edge (plus a margin), where a degree of longitude is shortest,
// so every column is at least cellMetres wide all over its row. A point
// within reach metres of p is then at most reach/cellMetres rows away, and
// in its row at most as many columns from p's own column counted in that
// row's widths: the (2k+1)² block never misses one. Small cells keep the
// block close to the circle (125 m square for 50 m), so the rows read
// follow the reports near the point, not how many there are in the city.
const cellMetres = 25.0

// earthRadiusMetres is the mean Earth radius (IUGG), which the haversine
// formula treats as a sphere; over 50 m the error against the real
// ellipsoid is well under a metre.
const earthRadiusMetres = 6_371_008.8

// metresPerDegree is the length of a degree of latitude on that sphere.
const metresPerDegree = earthRadiusMetres * math.Pi / 180

// reachCells is how many cells a point within NearbyRadius may be away.
var reachCells = int64(math.Ceil(NearbyRadius / cellMetres))

// Cell returns the key of the grid cell that holds p, "row:column".
// Rounding down (not towards zero) keeps cells the same size on both sides
// of the Greenwich meridian and the equator. p must be a valid point
// (finite, as checked when the answer is validated).
func Cell(p catalogue.Point) string {
	row := rowOf(p.Lat)
	return cellKey(row, columnOf(row, p.Lng))
}

// NearbyCells returns the keys of every cell that can hold a point within
// NearbyRadius of p.
func NearbyCells(p catalogue.Point) []string {
	r := rowOf(p.Lat)
	out := make([]string, 0, (2*reachCells+1)*(2*reachCells+1))
	for row := r - reachCells; row <= r+reachCells; row++ {
		c := columnOf(row, p.Lng)
		for col := c - reachCells; col <= c+reachCells; col++ {
			out = append(out, cellKey(row, col))
		}
	}
	return out
}

func rowOf(lat float64) int64 { return int64(math.Floor(lat * metresPerDegree / cellMetres)) }

// columnOf is the column of lng in a row, whose width in degrees is
// cellMetres at the row's pole-ward edge and one cell beyond (the margin
// covers the neighbours a query looks into from the next rows).
func columnOf(row int64, lng float64) int64 {
	edge := math.Max(math.Abs(float64(row)), math.Abs(float64(row+1))) + 1
	lat := math.Min(edge*cellMetres/metresPerDegree, 89) * math.Pi / 180
	width := cellMetres / (metresPerDegree * math.Cos(lat))
	return int64(math.Floor(lng / width))
}

func cellKey(row, col int64) string {
	return strconv.FormatInt(row, 10) + ":" + strconv.FormatInt(col, 10)
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
