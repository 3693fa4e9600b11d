// Package locale is how duehub writes days for a reader: the payer's locale
// decides the date format ("1 Dec 2026" for en-GB, the default; "Dec 1,
// 2026" for en-US; "1. Dez. 2026" for de), and one function says where an
// invoice stands against its due date ("due in 3 days", "5 days overdue"),
// so that the digest email, the SMS and the portal read the same (issue 13).
//
// The list of locales is short on purpose: each one's month names and
// pattern are CLDR's abbreviated ("yMMMd") form, checked against ICU.
package locale
