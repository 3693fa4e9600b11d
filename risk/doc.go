// Package risk estimates, for each open invoice of a vendor, the probability
// that it will be paid more than seven days late, from that vendor's own
// payment history only. Training (Train) fits a regularised logistic
// regression by IRLS on point-in-time features of the customer's history
// (features.go); scoring (Model.Score) gives the probability, a level and the
// three features that pushed it most, in words. A vendor with too little
// history falls back to the customer's historical late share, and says so.
// The store keeps one model per vendor and the scores of open invoices,
// which the vendor inbox, the API, analytics and the bundler's "mention
// high-risk invoices earlier" option read.
package risk
