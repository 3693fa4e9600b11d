package webhooks

import (
	"context"
	"errors"
	"net/netip"
	"strconv"
	"strings"
)

// resolve returns the addresses a host stands for, as any resolver on the
// way might read it: an IP literal, a legacy numeric IPv4 form that
// inet_aton accepts (0x7f000001, 2130706433, 127.1), "localhost" and its
// subdomains (always loopback, RFC 6761), or a name looked up in DNS.
func (g *Guard) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	h := strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if h == "" {
		return nil, errors.New("webhooks: empty host")
	}
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")}, nil
	}
	if a, err := netip.ParseAddr(h); err == nil {
		return []netip.Addr{a.Unmap()}, nil
	}
	if a, ok := legacyIPv4(h); ok {
		return []netip.Addr{a}, nil
	}
	addrs, err := g.resolver.LookupNetIP(ctx, "ip", h)
	if err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		return nil, errors.New("webhooks: no address for " + h)
	}
	for i := range addrs {
		addrs[i] = addrs[i].Unmap()
	}
	return addrs, nil
}

// legacyIPv4 reads the numeric forms inet_aton accepts: one to four parts,
// each decimal, octal (leading 0) or hex (0x), the last filling the
// remaining bytes.
func legacyIPv4(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		base := 10
		switch {
		case strings.HasPrefix(p, "0x"):
			p, base = p[2:], 16
		case len(p) > 1 && p[0] == '0':
			p, base = p[1:], 8
		}
		if p == "" && base != 16 {
			return netip.Addr{}, false
		}
		if p == "" { // "0x" alone is zero
			p = "0"
		}
		v, err := strconv.ParseUint(p, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	var n uint64
	for i, v := range vals[:len(vals)-1] {
		if v > 0xff {
			return netip.Addr{}, false
		}
		n |= v << (24 - 8*uint(i))
	}
	last := vals[len(vals)-1]
	if last >= 1<<(8*uint(5-len(vals))) {
		return netip.Addr{}, false
	}
	n |= last
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}
