package twilio

import "testing"

func TestKeyword(t *testing.T) {
	tests := []struct{ body, want string }{
		{"STOP", "stop"},
		{"stop", "stop"},
		{"  Stop \n", "stop"},
		{"STOPALL", "stop"},
		{"unsubscribe", "stop"},
		{"Cancel", "stop"},
		{"END", "stop"},
		{"quit", "stop"},
		{"REVOKE", "stop"},
		{"optout", "stop"},
		{"opt out", "stop"},
		{"OPT  OUT", "stop"},
		{"START", "start"},
		{"unstop", "start"},
		{"help", "help"},
		{"HELP ", "help"},
		{"info", "help"},
		{"", ""},
		{"Stop sending me these, invoice 1001 was paid", ""},
		{"please stop", ""},
		{"STOP!", ""},
		{"Is invoice 1001 still open?", ""},
		{"yes", ""},
	}
	for _, tt := range tests {
		if got := Keyword(tt.body); got != tt.want {
			t.Errorf("Keyword(%q) = %q, want %q", tt.body, got, tt.want)
		}
	}
}
