package notify

import "context"

// Channel is the medium a message travels by.
type Channel string

const (
	Email Channel = "email"
	SMS   Channel = "sms"
)

// Message is one outgoing message. An email to a payer carries the whole AP
// team in To, CC and BCC: it is sent once, never once per contact.
type Message struct {
	// ID is the opaque id of our message row. Providers echo it back in
	// delivery events, so it must never carry personal data.
	ID       string
	Channel  Channel
	From     string // overrides the sender's configured From when set
	FromName string
	To       []string
	CC       []string
	BCC      []string
	ReplyTo  string
	Subject  string
	Text     string
	HTML     string
	// Headers are extra email headers such as List-Unsubscribe and
	// List-Unsubscribe-Post.
	Headers map[string]string
	// StatusCallback is where an SMS provider reports delivery (SMS only).
	StatusCallback string
}

// Result is what a provider tells us about an accepted message.
type Result struct {
	// ProviderID is the provider's own id (SendGrid X-Message-Id, Twilio
	// message SID, SMTP Message-ID), used to match later delivery events.
	ProviderID string
}

// Sender hands a message to one provider. Implementations are safe for
// concurrent use and return an *Error for every failure they can classify.
type Sender interface {
	Send(ctx context.Context, m Message) (Result, error)
}
