package twilio

import (
	"context"
	"net/http"
	"net/url"
)

// sendTransport serves exactly one Send. The SDK turns error responses into
// a TwilioRestError and drops the headers, so the transport keeps the status
// and headers itself (Retry-After lives there).
type sendTransport struct {
	ctx    context.Context
	base   http.RoundTripper
	target *url.URL // rewrite scheme and host here when set

	status int
	header http.Header
}

func (t *sendTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(t.ctx)
	if t.target != nil {
		req.URL.Scheme = t.target.Scheme
		req.URL.Host = t.target.Host
		req.Host = ""
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	t.status, t.header = resp.StatusCode, resp.Header
	return resp, nil
}
