package handlers

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/duehub/duehub/vendors"
)

// batchItem is one item of a batch body as the strict walk read it: its
// decoded request, its own problems (paths relative to the item, as if it
// had been sent alone) and where its bytes are.
type batchItem[R any] struct {
	req        R
	errs       []vendors.FieldError
	decodeErr  error
	start, end int
}

// readBatch reads a body {"<name>": [ … ]} in one pass: the envelope is
// checked as a map of raw values, and each item of the array is checked and
// decoded on the spot against R, with its problems kept apart, so that one
// bad item does not sink the others and no item's bytes are scanned again.
// It refuses the envelope as decodeBatch always has: problems of the object
// itself (422, all at once), then an unknown key, then a missing or
// non-array value, then a count outside 1..vendors.MaxBatch.
func readBatch[R any](body []byte, name string) ([]batchItem[R], error) {
	c := &jsonChecker{data: body}
	w := batchWalk[R]{c: c, name: name}
	if err := w.run(); err != nil {
		return nil, err
	}
	if len(c.errs) > 0 {
		return nil, &vendors.ValidationError{Fields: c.errs}
	}
	switch {
	case w.hasUnknown:
		return nil, vendors.Invalid(w.unknown, "is not a known field")
	case !w.array && !w.null:
		return nil, vendors.Invalid(name, "must be an array of objects")
	case w.count == 0 || w.count > vendors.MaxBatch:
		return nil, vendors.Invalid(name, fmt.Sprintf("must hold between 1 and %d items", vendors.MaxBatch))
	}
	return w.items, nil
}

type batchWalk[R any] struct {
	c           *jsonChecker
	name        string
	unknown     string // the first key that is not name, if hasUnknown
	hasUnknown  bool
	array, null bool // what name held
	count       int
	items       []batchItem[R]
}

func (w *batchWalk[R]) run() (err error) {
	c := w.c
	defer c.recoverSyntax(&err)
	c.space()
	if c.pos == len(c.data) {
		c.fail("the body is empty")
	}
	switch c.peek() {
	case '{':
		w.envelope()
	case 'n':
		c.literal() // null: an envelope without the array
	default:
		c.value(target(reflect.TypeFor[map[string]json.RawMessage]()), "", false, reflect.Value{})
	}
	c.end()
	return nil
}

// envelope is object for a map of raw values, but for the array under name.
func (w *batchWalk[R]) envelope() {
	c := w.c
	seen := map[string]bool{}
	c.members(true, func(key, problem string) {
		switch {
		case problem != "":
			c.add(key, "is not a known field: the key "+problem)
			c.skip()
		case seen[key]:
			c.add(key, "appears more than once; send each field once")
			c.skip()
		case key != w.name:
			seen[key] = true
			if !w.hasUnknown {
				w.unknown, w.hasUnknown = key, true
			}
			c.skip()
		default:
			seen[key] = true
			switch c.peek() {
			case '[':
				w.array = true
				w.readItems()
			case 'n':
				w.null = true
				c.skip()
			default:
				c.skip()
			}
		}
	})
}

// readItems reads the array, decoding its first vendors.MaxBatch items (a
// longer batch is refused whole, but the rest must still be JSON).
func (w *batchWalk[R]) readItems() {
	c := w.c
	t := reflect.TypeFor[*R]()
	e, decode := target(t), decodable(t.Elem())
	c.elements(func(int) {
		w.count++
		if w.count > vendors.MaxBatch {
			c.skip()
			return
		}
		if w.items == nil {
			w.items = make([]batchItem[R], 0, 64)
		}
		w.items = append(w.items, batchItem[R]{start: c.pos})
		it := &w.items[len(w.items)-1]
		saved, savedErr := c.errs, c.decodeErr
		c.errs, c.decodeErr = nil, nil
		var dst reflect.Value
		if decode {
			dst = reflect.ValueOf(&it.req).Elem()
		}
		c.value(e, "", false, dst)
		it.errs, it.decodeErr, it.end = c.errs, c.decodeErr, c.pos
		c.errs, c.decodeErr = saved, savedErr
		if !decode && len(it.errs) == 0 {
			if err := json.Unmarshal(c.data[it.start:it.end], &it.req); err != nil {
				it.decodeErr = err
			}
		}
	})
}

// problem is the item's error as decodeStrict would have returned it.
func (it *batchItem[R]) problem() error {
	if len(it.errs) > 0 {
		return &vendors.ValidationError{Fields: it.errs}
	}
	if it.decodeErr != nil {
		return fmt.Errorf("%w: %v", errMalformedJSON, it.decodeErr)
	}
	return nil
}
