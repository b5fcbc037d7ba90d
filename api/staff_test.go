package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"frontdoor/api/accounts"
	"frontdoor/api/auth"
)

// TestPropagationProblems: a service that refuses a change (a 4xx) makes a
// work item staff can see; once the service is fixed, a retry delivers it
// under the same Idempotency-Key.
func TestPropagationProblems(t *testing.T) {
	e := newAcctEnv(t)
	good, broken := newHookReceiver(t), newHookReceiver(t)
	e.connector(t, "library", good)
	e.connector(t, "waste", broken)
	broken.setAnswer(func(int) int { return http.StatusUnprocessableEntity })
	ada := e.resident(t, "res-ada")
	e.link(t, "res-ada", "library", "LIB-1")
	e.link(t, "res-ada", "waste", "W-1")
	staff := e.token(t, "staff-1", auth.RoleStaff)
	supervisor := e.token(t, "sup-1", auth.RoleSupervisor)

	move := `{"kind": "address", "effective_date": "` + time.Now().Format("2006-01-02") + `", "values": {"address": {"line1": "2 Royal Parade", "town": "Plymouth", "postcode": "PL1 1DD"}}}`
	ch := mustJSON[changeView](t, e.call(t, "POST", "/api/v1/me/changes", ada, move), 202)
	failed := e.waitChangeUntil(t, ada, ch.ID, "failed at waste only", func(ch changeView) bool {
		return ch.Status == accounts.StatusFailed && ch.Services[0].Status == accounts.StatusDelivered
	})
	if failed.Services[0].Status != accounts.StatusDelivered || failed.Services[1].Status != accounts.StatusFailed ||
		!strings.Contains(failed.Services[1].Message, "member of staff") {
		t.Fatalf("services %+v", failed.Services)
	}
	page := mustJSON[propagationPage](t, e.call(t, "GET", "/api/v1/staff/propagations", staff, ""), 200)
	if len(page.Items) != 1 || page.Items[0].ChangeID != ch.ID || page.Items[0].Connector != "waste" ||
		page.Items[0].LastError != "HTTP 422" || page.Items[0].ResidentID != "res-ada" {
		t.Fatalf("work items %+v", page.Items)
	}
	retry := "/api/v1/staff/propagations/" + ch.ID + "/waste/retry"
	e.run(t, []apiCase{
		{name: "residents may not list", method: "GET", path: "/api/v1/staff/propagations", token: ada, status: 403, slug: "forbidden"},
		{name: "nobody may not list", method: "GET", path: "/api/v1/staff/propagations", status: 401, slug: "unauthorized"},
		{name: "residents may not retry", method: "POST", path: retry, token: ada, status: 403, slug: "forbidden"},
		{name: "a delivery that did not fail", method: "POST", path: "/api/v1/staff/propagations/" + ch.ID + "/library/retry", token: staff,
			status: 409, slug: "propagation-not-failed"},
		{name: "no such change", method: "POST", path: "/api/v1/staff/propagations/nope/waste/retry", token: staff, status: 404, slug: "not-found"},
		{name: "no such service on it", method: "POST", path: "/api/v1/staff/propagations/" + ch.ID + "/parking/retry", token: staff, status: 404, slug: "not-found"},
		{name: "a garbage cursor", method: "GET", path: "/api/v1/staff/propagations?cursor=%00", token: staff, status: 400, slug: "bad-cursor"},
	})

	broken.setAnswer(nil) // the back office is fixed
	r := e.call(t, "POST", retry, supervisor, "")
	if v := mustJSON[retryView](t, r, 202); v.Status != accounts.StatusPending || v.Connector != "waste" {
		t.Errorf("retry %+v", v)
	}
	e.waitChange(t, ada, ch.ID, accounts.StatusDelivered)
	ds := broken.deliveries()
	if len(ds) < 2 || ds[0].Key != ds[len(ds)-1].Key {
		t.Errorf("the retry changed the Idempotency-Key: %+v", ds)
	}
	if page := mustJSON[propagationPage](t, e.call(t, "GET", "/api/v1/staff/propagations", staff, ""), 200); len(page.Items) != 0 {
		t.Errorf("still listed after delivery: %+v", page.Items)
	}
	mustProblem(t, e.call(t, "POST", retry, staff, ""), 409, "propagation-not-failed")
	good.checkClean(t)
	broken.checkClean(t)
}

// TestStaffReadIsAudited: staff read a record only with a reason, and every
// read is in the resident's export with who and why.
func TestStaffReadIsAudited(t *testing.T) {
	e := newAcctEnv(t)
	e.resident(t, "res-ada")
	staff := e.token(t, "staff-7", auth.RoleStaff)
	admin := e.token(t, "admin-1", auth.RoleAdmin)
	councillor := e.token(t, "cllr-1", auth.RoleCouncillor)
	e.run(t, []apiCase{
		{name: "read with a reason", method: "GET", path: "/api/v1/staff/residents/res-ada?reason=Blue+badge+renewal", token: staff, status: 200,
			check: func(t *testing.T, r *response) {
				if c := mustJSON[accounts.Customer](t, r, 200); c.ID != "res-ada" || c.Name.Family != "Lovelace" {
					t.Errorf("record %+v", c)
				}
			}},
		{name: "admins too", method: "GET", path: "/api/v1/staff/residents/res-ada?reason=Complaint+review", token: admin, status: 200},
		{name: "no reason", method: "GET", path: "/api/v1/staff/residents/res-ada", token: staff, status: 400, slug: "validation", pointer: ptr("/reason")},
		{name: "an over-long reason", method: "GET", path: "/api/v1/staff/residents/res-ada?reason=" + strings.Repeat("r", 201), token: staff,
			status: 400, slug: "validation", pointer: ptr("/reason")},
		{name: "a reason with a line break", method: "GET", path: "/api/v1/staff/residents/res-ada?reason=a%0Ab", token: staff,
			status: 400, slug: "validation", pointer: ptr("/reason")},
		{name: "nobody by that id", method: "GET", path: "/api/v1/staff/residents/res-nobody?reason=x", token: staff, status: 404, slug: "not-found"},
		{name: "councillors may not", method: "GET", path: "/api/v1/staff/residents/res-ada?reason=x", token: councillor, status: 403, slug: "forbidden"},
		{name: "residents may not read each other", method: "GET", path: "/api/v1/staff/residents/res-ada?reason=x", token: e.resident(t, "res-bob"), status: 403, slug: "forbidden"},
		{name: "nobody may not", method: "GET", path: "/api/v1/staff/residents/res-ada?reason=x", status: 401, slug: "unauthorized"},
	})
	reads, err := e.acct.Export(context.Background(), "res-ada")
	if err != nil {
		t.Fatal(err)
	}
	if len(reads.StaffReads) != 2 || reads.StaffReads[0].StaffID != "staff-7" || reads.StaffReads[0].Reason != "Blue badge renewal" ||
		reads.StaffReads[1].StaffID != "admin-1" {
		t.Errorf("audit %+v", reads.StaffReads)
	}
}
