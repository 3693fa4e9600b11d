// Package inbound turns replies into thread messages: a payer answering a
// digest or an answer notification, or a vendor's AR agent answering a team
// notification, by email (SendGrid Inbound Parse or the built-in SMTP
// listener). It parses the message, strips quoted history and signatures,
// drops auto-replies and duplicates, finds what the reply answers from the
// opaque token of its reply+<token>@ address, and routes it into the right
// thread; a reply it cannot route with certainty is held for the payer to
// choose, never guessed.
package inbound
