package main

import (
	"strings"
	"testing"
)

func TestInboundConfig(t *testing.T) {
	cases := []struct {
		cfg  inboundConfig
		want string // the variable the error names, "" for none
	}{
		{inboundConfig{}, ""},
		{inboundConfig{Domain: "In.Hub.Example"}, ""},
		{inboundConfig{Domain: "in.hub.example", Secret: strings.Repeat("s", 24), SMTPAddr: "127.0.0.1:2525"}, ""},
		{inboundConfig{Domain: "in.hub.example", Secret: "short"}, "DUEHUB_INBOUND_SECRET"},
		{inboundConfig{Domain: "in.hub.example", SMTPAddr: "2525"}, "DUEHUB_INBOUND_SMTP_ADDR"},
		{inboundConfig{Domain: "localhost"}, "DUEHUB_INBOUND_DOMAIN"},
		{inboundConfig{SMTPAddr: "127.0.0.1:2525"}, "DUEHUB_INBOUND_DOMAIN"},
	}
	for _, c := range cases {
		err := c.cfg.validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v: %v", c.cfg, err)
		case c.want != "" && (err == nil || !strings.HasPrefix(err.Error(), c.want)):
			t.Errorf("%+v: %v, want an error naming %s", c.cfg, err, c.want)
		}
	}
}
