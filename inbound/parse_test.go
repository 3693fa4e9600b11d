package inbound

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The reply shapes of the common clients come out as what the person
// typed, with nothing of the quoted digest or their signature line.
func TestParseFixtures(t *testing.T) {
	cases := []struct {
		file, from, messageID, body, auto string
	}{
		{"gmail_reply.eml", "ap@acme.example", "CAF=gmail-reply-0001@mail.gmail.com",
			"Hi, for invoice 1001 we never received the goods. Can you check with the carrier?\n\nThanks,\nJane", ""},
		{"outlook_reply.eml", "ap@acme.example", "DB9PR01MB1234ABCD@DB9PR01MB1234.eurprd01.prod.outlook.com",
			"Contoso Freight: we paid this last week by wire, ref 5521. Please confirm receipt.\n\nKind regards\nJane Doe | Accounts Payable | Acme Corp", ""},
		{"apple_reply.eml", "ap@acme.example", "8E1C9B3A-1F2D-4C5E-9A7B-APPLE0001@acme.example",
			"Thanks — the credit note works for us. Please apply it to 1001.\n\nJane", ""},
		{"html_only.eml", "ap@acme.example", "html-only-0001@acme.example",
			"Please hold invoice CF-88, the delivery was damaged.", ""},
		{"out_of_office.eml", "ap@acme.example", "ooo-0001@acme.example", "", IgnoreAutoReply},
		{"forged_from.eml", "ap@acme-billing.example", "forged-0001@acme-billing.example",
			"Invoice 1001: our bank details changed, please tell Northwind to use IBAN XX00 0000.", ""},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			e, err := ParseEmail(strings.NewReader(fixture(t, c.file)))
			if err != nil {
				t.Fatal(err)
			}
			if e.From != c.from || e.MessageID != c.messageID {
				t.Errorf("from %q id %q", e.From, e.MessageID)
			}
			if got := TokenOf("in.duehub.example", e.Recipients); got != "token" {
				t.Errorf("token = %q from %v", got, e.Recipients)
			}
			if got := e.Automatic([]string{"reminders@duehub.example"}, "in.duehub.example"); got != c.auto {
				t.Errorf("automatic = %q, want %q", got, c.auto)
			}
			if c.auto != "" {
				return
			}
			if got := e.Body(); got != c.body {
				t.Errorf("body =\n%q\nwant\n%q", got, c.body)
			}
		})
	}
}

// The HTML part alone gives the same reply as the text part: an HTML-only
// Gmail or Outlook reply loses its quoted history too.
func TestHTMLPartsStripHistory(t *testing.T) {
	for file, want := range map[string]string{
		"gmail_reply.eml":   "Hi, for invoice 1001 we never received the goods. Can you check with the carrier?\n\nThanks,\nJane",
		"outlook_reply.eml": "Contoso Freight: we paid this last week by wire, ref 5521. Please confirm receipt.\n\nKind regards\nJane Doe | Accounts Payable | Acme Corp",
	} {
		e, err := ParseEmail(strings.NewReader(fixture(t, file)))
		if err != nil {
			t.Fatal(err)
		}
		if got := StripReply(HTMLText(e.HTML)); got != want {
			t.Errorf("%s: html body =\n%q\nwant\n%q", file, got, want)
		}
	}
}

func TestStripReplyShapes(t *testing.T) {
	cases := map[string]string{
		"Yes, paid.\n\n-- \nJane Doe\nAcme":                                             "Yes, paid.",
		"Paid on Monday.\n\nOn Tue, Dec 1, 2026 at 9:00 AM duehub <\nr@x> wrote:\n> hi": "Paid on Monday.",
		"Réglé.\n\nLe mar. 1 déc. 2026 à 09:00, duehub <r@x> a écrit :\n> bonjour":      "Réglé.",
		"Ok\n\n-----Original Message-----\nFrom: duehub\nSent: today":                   "Ok",
		"> quoted question?\nMy answer.\n> another\nSecond answer.":                     "My answer.\nSecond answer.",
		"Sure thing\n\nGet Outlook for iOS":                                             "Sure thing",
		"From: the warehouse: goods arrived\nthanks":                                    "From: the warehouse: goods arrived\nthanks",
	}
	for in, want := range cases {
		if got := StripReply(in); got != want {
			t.Errorf("StripReply(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAutomatic(t *testing.T) {
	base := func() Email {
		return Email{From: "ap@acme.example", Subject: "Re: invoices", Header: map[string]string{}}
	}
	cases := []struct {
		name string
		edit func(*Email)
		want string
	}{
		{"a person", func(*Email) {}, ""},
		{"auto-submitted no", func(e *Email) { e.Header["Auto-Submitted"] = "no" }, ""},
		{"auto-generated", func(e *Email) { e.Header["Auto-Submitted"] = "auto-generated" }, IgnoreAutoReply},
		{"precedence bulk", func(e *Email) { e.Header["Precedence"] = "bulk" }, IgnoreAutoReply},
		{"out of office subject", func(e *Email) { e.Subject = "Out of Office: Re: invoices" }, IgnoreAutoReply},
		{"our own", func(e *Email) { e.From = "reminders@duehub.example" }, IgnoreOwn},
		{"our inbound domain", func(e *Email) { e.From = "reply+abc@in.duehub.example" }, IgnoreOwn},
		{"bounce", func(e *Email) { e.From = "mailer-daemon@mx.example" }, IgnoreBounce},
	}
	for _, c := range cases {
		e := base()
		c.edit(&e)
		if got := e.Automatic([]string{"reminders@duehub.example"}, "in.duehub.example"); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestNamed(t *testing.T) {
	cands := []candidate{
		{InvoiceID: 1, VendorID: 10, Number: "1001", ExternalID: "NW-1001", VendorName: "Northwind Supplies"},
		{InvoiceID: 2, VendorID: 10, Number: "1002", ExternalID: "NW-1002", VendorName: "Northwind Supplies"},
		{InvoiceID: 3, VendorID: 20, Number: "CF-88", ExternalID: "CF-88", VendorName: "Contoso Freight"},
		{InvoiceID: 4, VendorID: 20, Number: "7", ExternalID: "x7", VendorName: "Contoso Freight"},
	}
	ids := func(cs []candidate) (out []int64) {
		for _, c := range cs {
			out = append(out, c.InvoiceID)
		}
		return out
	}
	cases := []struct {
		text     string
		invoices []int64
		vendors  []int64
	}{
		{"invoice 1001 was never received", []int64{1}, nil},
		{"10010 is not ours", nil, nil},
		{"both cf-88 and 1002 are paid", []int64{2, 3}, nil},
		{"we pay in 7 days", nil, nil},
		{"invoice #7 is paid", []int64{4}, nil},
		{"Contoso Freight: we paid", nil, []int64{20}},
		{"thanks!", nil, nil},
	}
	for _, c := range cases {
		inv, vs := named(c.text, cands)
		if got := ids(inv); !equal(got, c.invoices) || !equal(vs, c.vendors) {
			t.Errorf("%q: invoices %v vendors %v, want %v %v", c.text, got, vs, c.invoices, c.vendors)
		}
	}
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FuzzParseEmail: no input makes the parser or the stripper panic, and the
// reply is never longer than what was written.
func FuzzParseEmail(f *testing.F) {
	for _, name := range []string{"gmail_reply.eml", "outlook_reply.eml", "apple_reply.eml", "html_only.eml", "out_of_office.eml"} {
		f.Add([]byte(fixture(f, name)))
	}
	f.Add([]byte("From: a@b\r\n\r\n> x\r\nOn a wrote:\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		e, err := ParseEmail(strings.NewReader(string(raw)))
		if err != nil {
			return
		}
		body := e.Body()
		if e.Text != "" && len(body) > len(e.Text) {
			t.Fatalf("body longer than the text: %q from %q", body, e.Text)
		}
		_ = e.Automatic(nil, "in.duehub.example")
		_ = TokenOf("in.duehub.example", e.Recipients)
	})
}

func FuzzStripReply(f *testing.F) {
	f.Add("Yes\n\nOn Tue wrote:\n> q")
	f.Add("<div>a<blockquote>b</blockquote></div>")
	f.Fuzz(func(t *testing.T, s string) {
		if got := StripReply(s); len(got) > len(s) {
			t.Fatalf("StripReply grew %q to %q", s, got)
		}
		_ = HTMLText(s)
	})
}

// A MIME attachment is kept with its base name and a sniffed type, the
// text part stays the reply.
func TestParseAttachment(t *testing.T) {
	raw := "From: ap@acme.example\r\nTo: reply+x@in.duehub.example\r\nSubject: Re\r\nMessage-ID: <a@b>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n" +
		"--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the attached note for 1001.\r\n" +
		"--XX\r\nContent-Type: text/html\r\nContent-Disposition: attachment; filename=\"C:\\\\scans\\\\note.txt\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		"aGVsbG8gd29ybGQ=\r\n--XX--\r\n"
	e, err := ParseEmail(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if e.Body() != "See the attached note for 1001." || len(e.Attachments) != 1 {
		t.Fatalf("body %q attachments %+v", e.Body(), e.Attachments)
	}
	a := e.Attachments[0]
	if a.Filename != "note.txt" || string(a.Data) != "hello world" || a.ContentType != "text/plain; charset=utf-8" {
		t.Errorf("attachment %+v", a)
	}
}

func TestAuthenticationResults(t *testing.T) {
	raw := "From: ap@acme.example\r\nAuthentication-Results: mx.hub.example; dkim=pass header.d=acme.example; spf=softfail smtp.mailfrom=acme.example\r\n\r\nhi"
	e, err := ParseEmail(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if e.SPF != "softfail" || e.DKIM != "pass" {
		t.Errorf("spf %q dkim %q", e.SPF, e.DKIM)
	}
}
