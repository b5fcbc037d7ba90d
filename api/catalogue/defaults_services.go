package catalogue

// defaultServices is the demo catalogue's structure: street reports,
// waste, roads and parking, council tax and benefits, housing, and
// feedback. Targets follow what English councils commonly publish.
func defaultServices() []spec {
	return append(append(streetReports(), homeServices()...), moneyAndFeedback()...)
}

// street builds a street report: anyone may make it, anonymously, on any
// channel (Open311 included), pinned on the map with optional qPhotos.
func street(code, group, team string, target int, unit Unit, qs ...qspec) spec {
	return spec{
		code: code, group: group, team: team, tier: TierSimple, channels: streetChannels,
		target: target, unit: unit, anonymous: true, questions: qs,
	}
}

// personal builds a service that needs to know who is asking.
func personal(code, group, team string, tier Tier, target int, qs ...qspec) spec {
	return spec{
		code: code, group: group, team: team, tier: tier, channels: personalChannels,
		target: target, unit: UnitWorkingDays, questions: qs,
	}
}

func related(s spec, codes ...string) spec { s.related = codes; return s }

func streetReports() []spec { return append(cleanStreets(), roadsAndParks()...) }

func cleanStreets() []spec {
	return []spec{
		street("fly-tipping", "streets", "street-scene", 5, UnitWorkingDays,
			qLocation,
			choice("waste-type", true, "household", "furniture", "building", "garden", "tyres", "hazardous", otherValue),
			choice("amount", true, "bag", "car-boot", "van", "lorry"),
			question("private-land", TypeYesNo, true).withHint(),
			question("landowner-known", TypeYesNo, true).withHint().when("private-land", yes),
			question("saw-dumping", TypeYesNo, false).withHint(),
			qDetails, qPhotos),
		street("graffiti", "streets", "street-scene", 10, UnitWorkingDays,
			qLocation,
			choice("surface", true, "wall", "fence", "bus-shelter", "sign", "bridge", otherValue),
			question("offensive", TypeYesNo, true).withHint(),
			question("private-property", TypeYesNo, false),
			qDetails, qPhotos),
		street("dog-fouling", "streets", "street-scene", 5, UnitWorkingDays,
			qLocation,
			choice("place", true, "pavement", "park", "play-area", otherValue),
			question("repeated", TypeYesNo, false),
			qDetails, qPhotos),
		street("abandoned-vehicle", "streets", "street-scene", 10, UnitWorkingDays,
			qLocation,
			text("registration", false, 10).withHint(),
			text("make", false, 60),
			text("colour", false, 30),
			choice("how-long", true, "under-week", "weeks", "over-month"),
			choice("condition", false, "good", "damaged", "burnt-out"),
			qDetails, qPhotos),
	}
}

func roadsAndParks() []spec {
	return []spec{
		street("pothole", "roads", "highways", 48, UnitHours,
			qLocation,
			choice("surface", true, "road", "pavement", "cycle-lane"),
			choice("size", true, "small", "medium", "large"),
			number("depth", false, 0, 100).withHint(),
			question("dangerous", TypeYesNo, true),
			qDetails, qPhotos),
		street("street-light", "roads", "street-lighting", 10, UnitWorkingDays,
			qLocation,
			text("column-number", false, 20).withHint(),
			choice("fault", true, "out", "day-burning", "flickering", "damaged", "wires"),
			qDetails, qPhotos),
		street("blocked-drain", "roads", "highways", 10, UnitWorkingDays,
			qLocation,
			question("flooding", TypeYesNo, true),
			question("property-at-risk", TypeYesNo, true).when("flooding", yes),
			qDetails, qPhotos),
		related(street("grass-cutting", "parks", "grounds-maintenance", 10, UnitWorkingDays,
			qLocation,
			choice("area-type", true, "verge", "park", "housing-green", "cemetery", otherValue),
			question("sightline", TypeYesNo, false),
			qDetails, qPhotos), "hedge-cutting"),
		related(street("hedge-cutting", "parks", "grounds-maintenance", 15, UnitWorkingDays,
			qLocation,
			choice("obstruction", true, "pavement", "road", "sign", "light", "sightline"),
			choice("owner", true, "council", "private", "not-sure"),
			qDetails, qPhotos), "grass-cutting"),
	}
}

func homeServices() []spec {
	return []spec{
		personal("missed-bin", "waste", "waste", TierSimple, 2,
			qAddress,
			choice("bin-type", true, "rubbish", "recycling", "garden", "glass"),
			question("collection-date", TypeDate, true),
			question("bin-out", TypeYesNo, true).withHint(),
			qDetails),
		personal("bulky-waste", "waste", "waste", TierSimple, 10,
			qAddress,
			qspec{id: "items", typ: TypeTextarea, required: true, hint: true, maxLen: 1000},
			number("item-count", true, 1, 10).withHint(),
			choice("collect-from", true, "front", "driveway", "communal"),
			question("concession", TypeYesNo, false).withHint()),
		personal("noise", "environment", "environmental-protection", TierSimple, 5,
			choice("noise-type", true, "music", "barking", "voices", "alarm", "construction", "business", otherValue),
			text("source", true, 200).withHint(),
			choice("when", true, "day", "evening", "night", "any-time"),
			question("started", TypeDate, false),
			qspec{id: "your-address", typ: TypeAddress, required: true, hint: true},
			qDetails),
		personal("parking-permit", "parking", "parking", TierSimple, 10,
			qAddress,
			choice("permit-type", true, "resident", "visitor", "carer", "business"),
			text("registration", true, 10).when("permit-type", "resident"),
			question("start-date", TypeDate, true)),
		personal("blue-badge", "parking", "blue-badge", TierAssisted, 60,
			choice("for-whom", true, "myself", "someone-else"),
			choice("application", true, "new", "renewal", "replacement"),
			text("badge-number", true, 20).withHint().when("application", "renewal"),
			question("date-of-birth", TypeDate, true),
			qAddress,
			choice("reason", true, "pip", "dla", "war-pension", "blind", "walking", "hidden", "child"),
			qDetails),
		personal("dropped-kerb", "roads", "highways", TierComplex, 30,
			qAddress,
			choice("purpose", true, "driveway", "wheelchair"),
			question("hardstanding", TypeYesNo, true).withHint().when("purpose", "driveway"),
			qDetails, qPhotos),
		personal("housing-repair", "housing", "housing-repairs", TierComplex, 20,
			qAddress,
			choice("room", true, "kitchen", "bathroom", "bedroom", "living-room", "hall-stairs", "outside", "communal"),
			choice("problem", true, "leak", "heating", "electrics", "damp", "doors-windows", otherValue),
			question("emergency", TypeYesNo, true).withHint(),
			qspec{id: "description", typ: TypeTextarea, required: true, maxLen: 2000},
			qspec{id: "access", typ: TypeTextarea, hint: true, maxLen: 500},
			qPhotos),
	}
}

func moneyAndFeedback() []spec {
	return []spec{
		related(personal("council-tax-change", "council-tax", "council-tax", TierSimple, 10,
			text("account-number", true, 12).withHint(),
			qAddress,
			choice("change", true, "moving-in", "moving-out", "living-alone", "someone-moved-in", "student", otherValue),
			question("change-date", TypeDate, true),
			qspec{id: "new-address", typ: TypeAddress, required: true, hint: true}.when("change", "moving-out"),
			qDetails), "council-tax-support"),
		related(personal("council-tax-support", "benefits", "benefits", TierAssisted, 20,
			qAddress,
			number("household-size", true, 1, 20),
			question("pension-age", TypeYesNo, true),
			question("universal-credit", TypeYesNo, true),
			question("income-changed", TypeYesNo, true).withHint(),
			question("income-change-date", TypeDate, true).when("income-changed", yes),
			qDetails), "housing-benefit", "free-school-meals"),
		related(personal("housing-benefit", "benefits", "benefits", TierAssisted, 20,
			qAddress,
			choice("landlord", true, "housing-association", "private", "supported"),
			number("rent", true, 0, 5000).withHint(),
			question("pension-age", TypeYesNo, true),
			question("universal-credit", TypeYesNo, true),
			qDetails), "council-tax-support", "free-school-meals"),
		related(personal("free-school-meals", "benefits", "benefits", TierAssisted, 10,
			text("child-name", true, 100),
			question("child-dob", TypeDate, true),
			text("school", true, 120),
			choice("benefit", true, "universal-credit", "income-support", "jsa", "esa", "child-tax-credit", "pension-credit", "asylum-support"),
			qAddress), "council-tax-support", "housing-benefit"),
		complaintService(),
		complimentService(),
		personalOn(personal("councillor-enquiry", "councillors", "members-enquiries", TierAssisted, 10,
			text("councillor", true, 100),
			text("ward", false, 60),
			question("on-behalf", TypeYesNo, true),
			qspec{id: "resident-address", typ: TypeAddress}.when("on-behalf", yes),
			text("subject", true, 120),
			qspec{id: "enquiry", typ: TypeTextarea, required: true, maxLen: 4000}),
			ChannelWeb, ChannelAssisted, ChannelPhone),
	}
}

func personalOn(s spec, channels ...string) spec { s.channels = channels; return s }

// complaintService is the corporate complaints procedure: stage 1 by the team
// complained about (customer relations route it), stage 2 a senior review.
func complaintService() spec {
	s := personal("complaint", "feedback", "customer-relations", TierComplex, 10,
		qServiceArea,
		text("case-reference", false, 20).withHint(),
		qspec{id: "what-happened", typ: TypeTextarea, required: true, hint: true},
		qspec{id: "put-right", typ: TypeTextarea, required: true, maxLen: 2000},
		choice("contact-by", true, "email", "phone", "letter"))
	s.complaint = &Complaint{
		Stage2Team: "complaints-review", Stage2Target: 20, Stage2Unit: UnitWorkingDays,
		EscalationDays: DefaultEscalationDays,
	}
	return s
}

func complimentService() spec {
	s := personal("compliment", "feedback", "customer-relations", TierSimple, 10,
		qServiceArea,
		text("staff-name", false, 100).withHint(),
		qspec{id: "what-went-well", typ: TypeTextarea, required: true, maxLen: 2000})
	s.anonymous = true
	return s
}
