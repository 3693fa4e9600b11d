package webhooks

import (
	"errors"
	"testing"
)

// TestDialerControl checks the last line of defence: the address the socket
// is about to connect to, whatever resolution said before.
func TestDialerControl(t *testing.T) {
	g := NewGuard(GuardConfig{})
	cases := []struct {
		network, address string
		refused          bool
	}{
		{"tcp4", "127.0.0.1:443", true},
		{"tcp4", "127.255.255.254:80", true},
		{"tcp6", "[::1]:443", true},
		{"tcp6", "[::ffff:127.0.0.1]:443", true},
		{"tcp4", "10.0.0.1:443", true},
		{"tcp4", "172.31.255.255:443", true},
		{"tcp4", "192.168.1.1:443", true},
		{"tcp4", "169.254.169.254:80", true},
		{"tcp4", "100.64.0.1:443", true},
		{"tcp4", "224.0.0.251:5353", true},
		{"tcp4", "0.0.0.0:443", true},
		{"tcp4", "255.255.255.255:443", true},
		{"tcp6", "[::]:443", true},
		{"tcp6", "[fe80::1]:443", true},
		{"tcp6", "[fc00::1]:443", true},
		{"tcp6", "[fd00:ec2::254]:80", true},
		{"tcp6", "[ff02::1]:443", true},
		{"udp4", "93.184.215.14:443", true},
		{"tcp4", "93.184.215.14:443", false},
		{"tcp4", "93.184.215.14:8443", false},
		{"tcp6", "[2606:4700:4700::1111]:443", false},
	}
	for _, c := range cases {
		err := g.control(c.network, c.address, nil)
		if c.refused != (err != nil) || (err != nil && !errors.Is(err, ErrRefused)) {
			t.Errorf("%s %s: %v, refused want %v", c.network, c.address, err, c.refused)
		}
	}
}

func TestLegacyIPv4(t *testing.T) {
	cases := map[string]string{
		"0x7f000001":   "127.0.0.1",
		"2130706433":   "127.0.0.1",
		"127.1":        "127.0.0.1",
		"0177.0.0.1":   "127.0.0.1",
		"0x7f.1":       "127.0.0.1",
		"10.1.65535":   "10.1.255.255",
		"192.168.257":  "192.168.1.1",
		"4294967295":   "255.255.255.255",
		"4294967296":   "",
		"1.2.3.4.5":    "",
		"256.1.1.1":    "",
		"example":      "",
		"09.1.1.1":     "",
		"deadbeef.com": "",
	}
	for in, want := range cases {
		a, ok := legacyIPv4(in)
		got := ""
		if ok {
			got = a.String()
		}
		if got != want {
			t.Errorf("legacyIPv4(%q) = %q, want %q", in, got, want)
		}
	}
}
