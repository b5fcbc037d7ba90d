package catalogue

import (
	"math"
	"strconv"
)

// demoStreet is a row of made-up houses on a real Plymouth street: the
// first house's place and UPRN, and the step from one house to the next.
type demoStreet struct {
	postcode, street string
	first, step      Point
	uprn             int64
	numbers          []string
}

// demoStreets are the demo council's addresses: real street names in the
// city centre, the Barbican, Keyham, Peverell, Mutley, Lipson, Crownhill
// and Derriford, with house numbers, UPRNs and places of our own making.
// None of it is Ordnance Survey or council data.
var demoStreets = []demoStreet{
	{"PL1 2AA", "Armada Way", Point{50.3712, -4.1427}, Point{0.00006, 0.00002}, 100040412345,
		[]string{"1", "2", "3", "10", "11", "12", "21"}},
	{"PL1 1DD", "Royal Parade", Point{50.3703, -4.1418}, Point{0.00001, 0.00008}, 100040413101,
		[]string{"2", "4", "6", "8", "10"}},
	{"PL1 2LR", "Southside Street", Point{50.3677, -4.1356}, Point{0.00002, 0.00007}, 100040415230,
		[]string{"5", "7", "9", "11", "13", "15"}},
	{"PL2 1QA", "Saltash Road", Point{50.3892, -4.1745}, Point{0.00007, -0.00003}, 100040421877,
		[]string{"101", "103", "105", "107"}},
	{"PL3 4LY", "Peverell Park Road", Point{50.3910, -4.1432}, Point{0.00005, 0.00005}, 100040436402,
		[]string{"20", "22", "24", "24A", "26", "28"}},
	{"PL4 6LA", "Mutley Plain", Point{50.3838, -4.1372}, Point{0.00007, 0.00001}, 100040448815,
		[]string{"1", "3", "5", "7", "9"}},
	{"PL4 7DN", "Lipson Road", Point{50.3760, -4.1262}, Point{0.00002, 0.00007}, 100040452290,
		[]string{"40", "42", "44", "46"}},
	{"PL6 5AX", "Tavistock Road", Point{50.4045, -4.1338}, Point{0.00007, 0.00002}, 100040467534,
		[]string{"300", "302", "304", "306", "308"}},
	{"PL6 8BT", "Derriford Road", Point{50.4163, -4.1131}, Point{0.00001, 0.00008}, 100040470018,
		[]string{"1", "3", "5", "7", "9", "11", "13", "15"}},
}

// DemoGazetteer is the demo council's gazetteer: a few Plymouth postcodes
// ("PL1 2AA" among them) with 4 to 8 addresses each, every one inside
// Plymouth. A real deployment plugs in its own Gazetteer.
func DemoGazetteer() StaticGazetteer {
	g := StaticGazetteer{}
	for _, s := range demoStreets {
		for i, n := range s.numbers {
			at := Point{s.first.Lat + float64(i)*s.step.Lat, s.first.Lng + float64(i)*s.step.Lng}
			g[s.postcode] = append(g[s.postcode], Place{
				Address: Address{Line1: n + " " + s.street, Town: "Plymouth", Postcode: s.postcode, UPRN: strconv.FormatInt(s.uprn+int64(i), 10)},
				Point:   Point{round6(at.Lat), round6(at.Lng)},
			})
		}
	}
	return g
}

// round6 keeps six decimal places (about 10 cm), so the demo's places read
// as written rather than with float noise.
func round6(f float64) float64 { return math.Round(f*1e6) / 1e6 }
