package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/duehub/duehub/database"
	"github.com/duehub/duehub/database/dbtest"
	"github.com/duehub/duehub/vendors"
)

func TestMembersInvitedThroughTheAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind Supplies")
		key := h.apiKey(north)
		api := h.api()

		r := api.do("POST", "/v1/members", key, map[string]any{"email": "Dana@Northwind.example", "name": "Dana", "role": "admin"})
		if r.status != http.StatusCreated {
			t.Fatalf("invite: %d %s", r.status, r.body)
		}
		var dana memberResponse
		r.json(t, &dana)
		if dana.Email != "dana@northwind.example" || dana.Role != "admin" || dana.Status != "active" || dana.ID == 0 {
			t.Fatalf("invited %+v", dana)
		}
		mails := h.mailsTo("dana@northwind.example")
		if len(mails) != 1 || !strings.Contains(mails[0].Subject, "Northwind Supplies") {
			t.Fatalf("invitation emails: %+v", mails)
		}
		// The invitation's link signs the member in.
		tok := h.signinLinks("dana@northwind.example")[0]
		b := h.browser()
		if r := b.post("/vendor/signin/"+tok, nil, "/vendor/signin/"+tok); r.status != http.StatusSeeOther {
			t.Fatalf("sign in from the invitation: %d", r.status)
		}

		api.do("POST", "/v1/members", key, map[string]any{"email": "dana@northwind.example", "role": "agent"}).problem(t, http.StatusUnprocessableEntity)
		p := api.do("POST", "/v1/members", key, map[string]any{"email": "erin", "role": "owner"}).problem(t, http.StatusUnprocessableEntity)
		fieldMessage(t, p.Errors, "email")
		fieldMessage(t, p.Errors, "role")
		api.do("POST", "/v1/members", key, map[string]any{"email": "erin@northwind.example", "role": "agent", "admin": true}).
			problem(t, http.StatusUnprocessableEntity)
		api.do("GET", "/v1/members", "", nil).problem(t, http.StatusUnauthorized)

		var list memberList
		api.do("GET", "/v1/members", key, nil).json(t, &list)
		if len(list.Data) != 1 || list.Data[0].ID != dana.ID {
			t.Fatalf("members = %+v", list.Data)
		}
	})
}

func TestAdminsManageTheTeamInTheInbox(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newPortalHub(t, db)
		north := h.vendor("Northwind Supplies")
		dana := h.member(north, "dana@northwind.example", vendors.RoleAdmin)
		admin := h.vendorSignIn("dana@northwind.example")

		r := admin.post("/vendor/members", url.Values{"email": {"erin@northwind.example"}, "name": {"Erin"}, "role": {"agent"}}, "/vendor/members")
		if r.status != http.StatusSeeOther {
			t.Fatalf("invite: %d %s", r.status, r.body)
		}
		if mails := h.mailsTo("erin@northwind.example"); len(mails) != 1 || !strings.Contains(mails[0].Text, "dana added you to the Northwind Supplies team") {
			t.Fatalf("invitation: %+v", mails)
		}
		if r := admin.post("/vendor/members", url.Values{"email": {"erin@northwind.example"}, "role": {"agent"}}, "/vendor/members"); r.status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.body, "already a member") {
			t.Fatalf("inviting twice: %d", r.status)
		}

		agent := h.vendorSignIn("erin@northwind.example")
		page := agent.get("/vendor/members")
		mustContain(t, "agent's team page", page.body, "dana@northwind.example", "erin@northwind.example")
		mustNotContain(t, "agent's team page", page.body, "Invite a member", "/disable")
		if r := agent.post("/vendor/members", url.Values{"email": {"mallory@northwind.example"}, "role": {"admin"}}, "/vendor/members"); r.status != http.StatusForbidden {
			t.Fatalf("an agent invited: %d", r.status)
		}
		if r := agent.post("/vendor/members/"+strconvI(dana.ID)+"/disable", nil, "/vendor/members"); r.status != http.StatusForbidden {
			t.Fatalf("an agent disabled an admin: %d", r.status)
		}
		if r := admin.post("/vendor/members/"+strconvI(dana.ID)+"/disable", nil, "/vendor/members"); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("an admin disabled themselves: %d", r.status)
		}

		ms, _ := h.vendors.Members(context.Background(), north)
		var erin vendors.Member
		for _, m := range ms {
			if m.Email == "erin@northwind.example" {
				erin = m
			}
		}
		if r := admin.post("/vendor/members/"+strconvI(erin.ID)+"/disable", nil, "/vendor/members"); r.status != http.StatusSeeOther {
			t.Fatalf("disable: %d", r.status)
		}
		if r := agent.get("/vendor"); r.status != http.StatusSeeOther {
			t.Fatalf("a disabled member's session: %d", r.status)
		}
		if ms, _ := h.vendors.Members(context.Background(), north); len(ms) != 2 || ms[0].ID != dana.ID || ms[1].Active() {
			t.Fatalf("members = %+v", ms)
		}
	})
}
