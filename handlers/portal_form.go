package handlers

import (
	"github.com/gin-gonic/gin"

	"github.com/duehub/duehub/vendors"
)

// formState is a refused form shown again: which form, what was typed, and
// what is wrong with each field, so that nothing the payer typed is lost.
type formState struct {
	Name    string            // the form's anchor: ask, dispute, promise, reply
	Thread  int64             // the thread a refused reply was for
	Values  map[string]string // field → what was typed
	Errors  map[string]string // field → what is wrong with it
	Summary []fieldProblem    // the errors in field order, for the summary at the top
}

// fieldProblem is one line of the error summary; Anchor is the field's id.
type fieldProblem struct{ Anchor, Label, Message string }

// formFields are each invoice form's fields in page order, with their ids.
var formFields = map[string][]struct{ Name, ID string }{
	"ask":     {{"body", "q-body"}},
	"dispute": {{"reason", "d-reason"}, {"amount", "d-amount"}, {"note", "d-note"}},
	"promise": {{"date", "p-date"}, {"amount", "p-amount"}},
	"reply":   {{"body", "r-body"}}, // the id is r-body-<thread id>
}

// refusedForm keeps what was posted to the named form and the errors of ve.
func refusedForm(c *gin.Context, name string, ve *vendors.ValidationError, labels map[string]string) *formState {
	f := &formState{Name: name, Values: map[string]string{}, Errors: map[string]string{}}
	fields := formFields[name]
	for _, fd := range fields {
		f.Values[fd.Name] = c.PostForm(fd.Name)
	}
	for _, fe := range ve.Fields {
		f.Errors[fe.Field] = fe.Message
	}
	for _, fd := range fields {
		if msg, ok := f.Errors[fd.Name]; ok {
			f.Summary = append(f.Summary, fieldProblem{Anchor: fd.ID, Label: firstNonEmpty(labels[fd.Name], fd.Name), Message: msg})
		}
	}
	// An error on no field of the form (a damaged field name) still shows.
	for _, fe := range ve.Fields {
		if _, known := f.Values[fe.Field]; !known {
			f.Summary = append(f.Summary, fieldProblem{Anchor: name, Label: firstNonEmpty(labels[fe.Field], fe.Field), Message: fe.Message})
		}
	}
	return f
}

// Value is what was typed into field, or def when the form was not refused.
func (f *formState) Value(form, field, def string) string {
	if f == nil || f.Name != form {
		return def
	}
	return f.Values[field]
}

// Error is what is wrong with a field of form, or "".
func (f *formState) Error(form, field string) string {
	if f == nil || f.Name != form {
		return ""
	}
	return f.Errors[field]
}

// ReplyValue is what was typed into the reply form of thread id.
func (f *formState) ReplyValue(id int64) string {
	if f == nil || f.Name != "reply" || f.Thread != id {
		return ""
	}
	return f.Values["body"]
}

// ReplyError is what is wrong with the reply to thread id, or "".
func (f *formState) ReplyError(id int64) string {
	if f == nil || f.Name != "reply" || f.Thread != id {
		return ""
	}
	return f.Errors["body"]
}
