package webhooks

import (
	"strconv"
	"strings"
)

// SignAll returns the Duehub-Signature header of body sent at unix time t,
// signed with each secret in turn: "t=<t>,v1=<sig 1>,v1=<sig 2>". After a
// secret is rolled the header carries the new secret's signature first and
// the previous one's until its overlap ends; a receiver accepts the
// delivery when any v1 matches a secret it holds.
func SignAll(secrets []string, t int64, body []byte) string {
	var b strings.Builder
	b.WriteString("t=" + strconv.FormatInt(t, 10))
	for _, s := range secrets {
		_, v1, _ := strings.Cut(Sign(s, t, body), ",")
		b.WriteString("," + v1)
	}
	return b.String()
}
