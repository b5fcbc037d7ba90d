package open311

import (
	"fmt"
	"time"
)

// Request is one service request as GET requests shows it. The api package
// fills it from a case item: Status is StatusFor(item status); Expected is
// the service standard's due time; Lat/Long are nil without a location.
type Request struct {
	ID                string
	Status            string
	StatusNotes       string
	ServiceName       string
	ServiceCode       string
	Description       string
	AgencyResponsible string
	ServiceNotice     string
	Requested         time.Time
	Updated           time.Time
	Expected          *time.Time
	Address           string
	AddressID         string
	Zipcode           string
	Lat, Long         *float64
	MediaURL          string
}

// PostResponse answers POST requests. We are realtime, so ServiceRequestID
// is set; Token is written only when it is not (the specification returns
// one or the other, never both).
type PostResponse struct {
	ServiceRequestID string
	ServiceNotice    string
	AccountID        string
	Token            string
}

// DiscoveryDoc is the service discovery document (GET discovery.json).
type DiscoveryDoc struct {
	Changeset  time.Time
	Contact    string
	KeyService string // how to get an API key
	Endpoints  []Endpoint
}

// Endpoint is one API a discovery document lists.
type Endpoint struct {
	Specification string
	URL           string
	Changeset     time.Time
	Type          string // "production" or "test"
	Formats       []string
}

// Discovery describes our one GeoReport v2 endpoint at baseURL (no trailing
// slash). changeset is when services or definitions last changed, so
// clients know to refresh what they cache. The contact is also how to get a
// key: admins issue them.
func Discovery(baseURL string, changeset time.Time, contact string) DiscoveryDoc {
	return DiscoveryDoc{
		Changeset:  changeset,
		Contact:    contact,
		KeyService: contact,
		Endpoints: []Endpoint{{
			Specification: Specification,
			URL:           baseURL + "/open311/v2",
			Changeset:     changeset,
			Type:          "production",
			Formats:       []string{"application/json", "text/xml"},
		}},
	}
}

// document builds the tree of a value Encode accepts.
func document(v any) (node, error) {
	switch v := v.(type) {
	case []ServiceEntry:
		return listOf("services", v, serviceNode), nil
	case ServiceDefinition:
		return definitionNode(v), nil
	case *ServiceDefinition:
		if v != nil {
			return definitionNode(*v), nil
		}
	case []Request:
		return listOf("service_requests", v, requestNode), nil
	case Request:
		return listOf("service_requests", []Request{v}, requestNode), nil
	case []PostResponse:
		return listOf("service_requests", v, postNode), nil
	case PostResponse:
		return listOf("service_requests", []PostResponse{v}, postNode), nil
	case []Error:
		return listOf("errors", v, errorNode), nil
	case Error:
		return listOf("errors", []Error{v}, errorNode), nil
	case DiscoveryDoc:
		return discoveryNode(v), nil
	case *DiscoveryDoc:
		if v != nil {
			return discoveryNode(*v), nil
		}
	}
	return node{}, fmt.Errorf("open311: cannot encode %T", v)
}

func listOf[T any](name string, items []T, fn func(T) node) node {
	kids := make([]node, len(items))
	for i, it := range items {
		kids[i] = fn(it)
	}
	return list(name, kids)
}

func serviceNode(s ServiceEntry) node {
	return object("service",
		text("service_code", s.Code),
		text("service_name", s.Name),
		text("description", s.Description),
		boolean("metadata", s.Metadata),
		text("type", s.Type),
		text("keywords", s.Keywords),
		text("group", s.Group),
	)
}

func definitionNode(d ServiceDefinition) node {
	return object("service_definition",
		text("service_code", d.ServiceCode),
		listOf("attributes", d.Attributes, attributeNode),
	)
}

func attributeNode(a Attribute) node {
	n := object("attribute",
		boolean("variable", a.Variable),
		text("code", a.Code),
		text("datatype", a.Datatype),
		boolean("required", a.Required),
		text("datatype_description", a.DatatypeDescription),
		integer("order", a.Order),
		text("description", a.Description),
	)
	if a.Datatype == DatatypeSingleValueList || a.Datatype == DatatypeMultiValueList {
		n.kids = append(n.kids, listOf("values", a.Values, func(v Value) node {
			return object("value", text("key", v.Key), text("name", v.Name))
		}))
	}
	return n
}

func requestNode(r Request) node {
	expected := text("expected_datetime", "")
	if r.Expected != nil {
		expected = datetime("expected_datetime", *r.Expected)
	}
	return object("request",
		text("service_request_id", r.ID),
		text("status", r.Status),
		text("status_notes", r.StatusNotes),
		text("service_name", r.ServiceName),
		text("service_code", r.ServiceCode),
		text("description", r.Description),
		text("agency_responsible", r.AgencyResponsible),
		text("service_notice", r.ServiceNotice),
		datetime("requested_datetime", r.Requested),
		datetime("updated_datetime", r.Updated),
		expected,
		text("address", r.Address),
		text("address_id", r.AddressID),
		text("zipcode", r.Zipcode),
		number("lat", r.Lat),
		number("long", r.Long),
		text("media_url", r.MediaURL),
	)
}

func postNode(p PostResponse) node {
	id := text("service_request_id", p.ServiceRequestID)
	if p.ServiceRequestID == "" && p.Token != "" {
		id = text("token", p.Token)
	}
	return object("request", id, text("service_notice", p.ServiceNotice), text("account_id", p.AccountID))
}

func errorNode(e Error) node {
	return object("error", integer("code", e.Code), text("description", e.Description))
}

// discoveryNode writes changesets in UTC: the field must sort, and London's
// offset changes twice a year.
func discoveryNode(d DiscoveryDoc) node {
	return object("discovery",
		text("changeset", utc(d.Changeset)),
		text("contact", d.Contact),
		text("key_service", d.KeyService),
		listOf("endpoints", d.Endpoints, func(e Endpoint) node {
			return object("endpoint",
				text("specification", e.Specification),
				text("url", e.URL),
				text("changeset", utc(e.Changeset)),
				text("type", e.Type),
				listOf("formats", e.Formats, func(f string) node { return text("format", f) }),
			)
		}),
	)
}

func utc(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
