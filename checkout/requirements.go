package checkout

import "strings"

// Requirement is one thing Stripe still needs from a vendor: Stripe's
// code, and what it means in words an AR admin knows.
type Requirement struct {
	Code  string // as Stripe names it: "individual.verification.document"
	Label string // "Your identity document"
}

// Needs lists what Stripe still needs from the vendor, in words, the same
// thing asked by several codes (the terms' date and IP) once.
func (a Account) Needs() []Requirement {
	var out []Requirement
	seen := map[string]bool{}
	for _, code := range a.Requirements() {
		l := requirementLabel(code)
		if seen[l] {
			continue
		}
		seen[l] = true
		out = append(out, Requirement{Code: code, Label: l})
	}
	return out
}

// requirementLabels are Stripe's requirement codes an Express account
// commonly shows (https://docs.stripe.com/connect/required-verification-information).
var requirementLabels = map[string]string{
	"external_account":                     "A bank account for payouts",
	"business_type":                        "Your business type",
	"business_profile.url":                 "Your business website",
	"business_profile.mcc":                 "Your business category",
	"business_profile.product_description": "A description of what you sell",
	"business_profile.support_phone":       "A customer support phone number",
	"tos_acceptance.date":                  "Acceptance of Stripe's terms of service",
	"tos_acceptance.ip":                    "Acceptance of Stripe's terms of service",
	"company.name":                         "Your company's legal name",
	"company.tax_id":                       "Your company's tax ID",
	"company.phone":                        "Your company's phone number",
	"company.owners_provided":              "Your company's owners",
	"company.directors_provided":           "Your company's directors",
	"company.executives_provided":          "Your company's executives",
	"company.verification.document":        "A document verifying your company",
}

// personFields name the details Stripe asks of a person, by the code's
// part after the person.
var personFields = map[string]string{
	"first_name": "name", "last_name": "name", "dob": "date of birth", "email": "email address", "phone": "phone number",
	"address": "address", "id_number": "ID number", "ssn_last_4": "last four digits of the SSN",
	"verification": "identity document", "relationship": "role in the company",
}

// requirementLabel says what code asks for; a code it does not know is
// shown as Stripe names it.
func requirementLabel(code string) string {
	if l, ok := requirementLabels[code]; ok {
		return l
	}
	if rest, ok := strings.CutPrefix(code, "company.address"); ok && (rest == "" || rest[0] == '.') {
		return "Your company's address"
	}
	who, field, ok := strings.Cut(code, ".")
	if !ok {
		return code
	}
	var whose string
	switch {
	case who == "individual":
		whose = "Your"
	case who == "representative":
		whose = "The representative's"
	case strings.HasPrefix(who, "person_"):
		whose = "A person's"
	default:
		return code
	}
	head, _, _ := strings.Cut(field, ".")
	if f, ok := personFields[head]; ok {
		return whose + " " + f
	}
	return code
}
