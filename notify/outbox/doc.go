// Package outbox is the development channel: a notify.Sender that stores every
// message in the database instead of delivering it, so that a fresh hub can be
// run and its digests read at /dev/outbox without any provider account.
package outbox
