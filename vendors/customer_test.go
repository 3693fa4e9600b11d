package vendors

import "testing"

func TestNormalizeEmail(t *testing.T) {
	cases := []struct{ in, want string }{
		{"ap@acme.example", "ap@acme.example"},
		{"  AP@Acme.Example ", "ap@acme.example"},
		{"first.last+ap@sub.acme.example", "first.last+ap@sub.acme.example"},
	}
	for _, c := range cases {
		got, err := NormalizeEmail(c.in)
		if err != nil || got != c.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "ap", "ap@", "@acme.example", "ap@acme", "AP <ap@acme.example>", "ap@@acme.example", "a p@acme.example"} {
		if got, err := NormalizeEmail(bad); err == nil {
			t.Errorf("NormalizeEmail(%q) accepted as %q", bad, got)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	cases := []struct{ in, want string }{
		{"+15551230000", "+15551230000"},
		{"+1 (555) 123-0000", "+15551230000"},
		{"+44 20 7946 0958", "+442079460958"},
		{" +81 3-1234-5678 ", "+81312345678"},
	}
	for _, c := range cases {
		got, err := NormalizePhone(c.in)
		if err != nil || got != c.want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "5551230000", "+1", "+999 123", "phone", "+1 555 123 0000 ext 9999999999"} {
		if got, err := NormalizePhone(bad); err == nil {
			t.Errorf("NormalizePhone(%q) accepted as %q", bad, got)
		}
	}
}
