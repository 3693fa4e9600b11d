package threads

// DisputeReasonLabels say each reason code of DisputeReasons as a person
// reads it, in the portal, the vendor inbox and the team's emails alike.
var DisputeReasonLabels = map[string]string{
	"pricing": "Pricing is wrong", "quantity": "Quantity is wrong", "quality": "Goods damaged or poor quality",
	"not_received": "Goods or services not received", "duplicate": "Duplicate invoice", "already_paid": "Already paid",
	"credit_not_applied": "A credit was not applied", "tax": "Tax is wrong", "other": "Other",
}

// ReasonLabel is a reason code as a person reads it; an unknown code as it is.
func ReasonLabel(code string) string {
	if l, ok := DisputeReasonLabels[code]; ok {
		return l
	}
	return code
}
