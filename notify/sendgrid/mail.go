package sendgrid

import (
	"errors"
	netmail "net/mail"
	"strings"

	"github.com/duehub/duehub/notify"
	"github.com/sendgrid/sendgrid-go/helpers/mail"
)

// customArgMessageID is the custom arg that carries notify.Message.ID; SendGrid
// copies custom args onto every event, which is how events find their row.
const customArgMessageID = "message_id"

// buildMail builds the v3 mail/send request for m. A failure is always
// permanent: the same message would be refused again.
func (s *Sender) buildMail(m notify.Message) (*mail.SGMailV3, error) {
	if m.Subject == "" {
		return nil, invalid("subject is empty")
	}
	if m.Text == "" && m.HTML == "" {
		return nil, invalid("message has neither text nor HTML")
	}
	from, fromName := m.From, m.FromName
	if from == "" {
		from, fromName = s.cfg.From, s.cfg.FromName
		if m.FromName != "" {
			fromName = m.FromName
		}
	}
	if from == "" {
		return nil, invalid("no From address (set it in the config or the message)")
	}

	// One personalization for the whole AP team, so they receive one message
	// and see each other in To/Cc, rather than one copy per contact.
	p := mail.NewPersonalization()
	seen := map[string]bool{}
	for _, list := range []struct {
		addrs []string
		add   func(...*mail.Email)
	}{{m.To, p.AddTos}, {m.CC, p.AddCCs}, {m.BCC, p.AddBCCs}} {
		for _, a := range list.addrs {
			addr, err := netmail.ParseAddress(a)
			if err != nil {
				return nil, &notify.Error{Permanent: true, Suppress: true, Address: a, Code: "invalid_address", Err: err}
			}
			// SendGrid refuses the whole request when an address appears twice
			// across to, cc and bcc of one personalization.
			key := strings.ToLower(addr.Address)
			if seen[key] {
				continue
			}
			seen[key] = true
			list.add(mail.NewEmail("", addr.Address))
		}
	}
	if len(p.To) == 0 {
		return nil, invalid("no To recipient")
	}

	v3 := mail.NewV3Mail()
	v3.SetFrom(mail.NewEmail(fromName, from))
	v3.Subject = m.Subject
	v3.AddPersonalizations(p)
	// SendGrid requires text/plain to come before text/html.
	if m.Text != "" {
		v3.AddContent(mail.NewContent("text/plain", m.Text))
	}
	if m.HTML != "" {
		v3.AddContent(mail.NewContent("text/html", m.HTML))
	}
	if m.ReplyTo != "" {
		v3.SetReplyTo(mail.NewEmail("", m.ReplyTo))
	}
	for k, v := range m.Headers {
		v3.SetHeader(k, v)
	}
	if m.ID != "" {
		v3.SetCustomArg(customArgMessageID, m.ID)
	}
	return v3, nil
}

// recipientAt returns the address SendGrid means by personalizations.0.<list>.<i>,
// or for list "" the message's only recipient.
func recipientAt(v3 *mail.SGMailV3, list string, i int) string {
	if len(v3.Personalizations) == 0 {
		return ""
	}
	p := v3.Personalizations[0]
	var emails []*mail.Email
	switch list {
	case "":
		if len(p.To)+len(p.CC)+len(p.BCC) == 1 && len(p.To) == 1 {
			return p.To[0].Address
		}
		return ""
	case "to":
		emails = p.To
	case "cc":
		emails = p.CC
	case "bcc":
		emails = p.BCC
	}
	if i < 0 || i >= len(emails) {
		return ""
	}
	return emails[i].Address
}

func invalid(msg string) error {
	return &notify.Error{Permanent: true, Code: "invalid_message", Err: errors.New("sendgrid: " + msg)}
}
