package checkout

import (
	"reflect"
	"testing"
)

// TestNeeds: Stripe's codes read as what they ask for, one line per thing
// asked, an unknown code as Stripe names it.
func TestNeeds(t *testing.T) {
	a := Account{RequirementsDue: "external_account,tos_acceptance.date,tos_acceptance.ip,individual.dob.day,individual.dob.month," +
		"individual.verification.document,representative.id_number,person_1AbC.address.city,company.address.line1,future_thing.x"}
	want := []Requirement{
		{"external_account", "A bank account for payouts"},
		{"tos_acceptance.date", "Acceptance of Stripe's terms of service"},
		{"individual.dob.day", "Your date of birth"},
		{"individual.verification.document", "Your identity document"},
		{"representative.id_number", "The representative's ID number"},
		{"person_1AbC.address.city", "A person's address"},
		{"company.address.line1", "Your company's address"},
		{"future_thing.x", "future_thing.x"},
	}
	if got := a.Needs(); !reflect.DeepEqual(got, want) {
		t.Fatalf("needs\n%v\nwant\n%v", got, want)
	}
}
