package handlers

import (
	"cmp"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/threads"
	"github.com/duehub/duehub/vendors"
)

// The inbox as a helpdesk queue: tabs, a search, and which way to sort.

// queueTabs are the queue's tabs, in order; "" is Open.
var queueTabs = []struct{ Code, Label string }{
	{"", "Open"}, {"mine", "Mine"}, {"unassigned", "Unassigned"}, {"resolved", "Resolved"},
}

// queueFilter is what the agent chose to see.
type queueFilter struct {
	Tab, Q, Sort string
	Member       int64
}

type queueLink struct {
	Label, URL string
	Current    bool
}

type queueView struct {
	Tabs, Sorts []queueLink
	Q, Tab      string
	Sort        string
	Resolved    bool
	Filtered    bool
}

func readQueueFilter(c *gin.Context, memberID int64) queueFilter {
	f := queueFilter{Tab: c.Query("tab"), Q: strings.TrimSpace(c.Query("q")), Sort: c.Query("sort"), Member: memberID}
	if !slices.ContainsFunc(queueTabs, func(t struct{ Code, Label string }) bool { return t.Code == f.Tab }) {
		f.Tab = ""
	}
	if f.Sort != "newest" {
		f.Sort = ""
	}
	return f
}

func (f queueFilter) url(tab, sort string) string {
	v := url.Values{}
	if tab != "" {
		v.Set("tab", tab)
	}
	if f.Q != "" {
		v.Set("q", f.Q)
	}
	if sort != "" {
		v.Set("sort", sort)
	}
	if len(v) == 0 {
		return "/vendor"
	}
	return "/vendor?" + v.Encode()
}

func (f queueFilter) view() queueView {
	v := queueView{Q: f.Q, Tab: f.Tab, Sort: f.Sort, Resolved: f.Tab == "resolved", Filtered: f.Q != "" || f.Tab != ""}
	for _, t := range queueTabs {
		v.Tabs = append(v.Tabs, queueLink{Label: t.Label, URL: f.url(t.Code, f.Sort), Current: t.Code == f.Tab})
	}
	v.Sorts = []queueLink{{Label: "Oldest first", URL: f.url(f.Tab, ""), Current: f.Sort == ""},
		{Label: "Newest first", URL: f.url(f.Tab, "newest"), Current: f.Sort == "newest"}}
	return v
}

// states are the thread states the tab lists.
func (f queueFilter) states() []string {
	if f.Tab == "resolved" {
		return []string{threads.ThreadResolved}
	}
	return []string{threads.ThreadOpen, threads.ThreadAnswered}
}

// apply keeps the threads of the tab that match the search, sorted.
func (f queueFilter) apply(views []threads.VendorThreadView, assignees map[int64]int64) []threads.VendorThreadView {
	q := strings.ToLower(f.Q)
	out := views[:0:0]
	for _, v := range views {
		switch f.Tab {
		case "mine":
			if assignees[v.ID] != f.Member {
				continue
			}
		case "unassigned":
			if assignees[v.ID] != 0 {
				continue
			}
		}
		if q != "" && !strings.Contains(searchText(v), q) {
			continue
		}
		out = append(out, v)
	}
	// Oldest first, those awaiting a reply before answered ones, as the
	// queue always listed them; newest first on request.
	slices.SortStableFunc(out, func(a, b threads.VendorThreadView) int {
		if f.Sort == "newest" {
			return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
		}
		return cmp.Or(cmp.Compare(stateRank(a.State), stateRank(b.State)), a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out
}

func stateRank(s string) int {
	if s == threads.ThreadOpen {
		return 0
	}
	return 1
}

// searchText is what a search matches: the invoice's number and id, the
// customer's name, id and email.
func searchText(v threads.VendorThreadView) string {
	var parts []string
	if v.Invoice != nil {
		parts = append(parts, v.Invoice.Number, v.Invoice.ExternalID)
	}
	if v.Customer != nil {
		parts = append(parts, v.Customer.Name, v.Customer.ExternalID, v.Customer.Email)
	}
	return strings.ToLower(strings.Join(parts, "\x00"))
}

// replyTarget is the vendor's response-time target (issue 12) as the queue
// applies it: a thread awaiting the team's reply is late once
// vendors.ReplyDeadline of the moment its customer started waiting has
// passed, the deadline by which the analytics count threads past target
// (0 hours: one business day in the vendor's time zone, loc).
type replyTarget struct {
	hours int
	loc   *time.Location
}

// late reports whether the thread awaits the team's reply past the target.
func (r replyTarget) late(t threads.Thread, now time.Time) bool {
	return t.State == threads.ThreadOpen && now.After(vendors.ReplyDeadline(t.WaitingSince(), r.hours, r.loc))
}

// text is how the queue flags a late thread.
func (r replyTarget) text() string {
	if r.hours <= 0 {
		return "Over the reply target (1 business day)"
	}
	if r.hours == 1 {
		return "Over the reply target (1 hour)"
	}
	return "Over the reply target (" + strconv.Itoa(r.hours) + " hours)"
}
