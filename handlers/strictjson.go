package handlers

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/duehub/duehub/vendors"
)

// checkJSON walks a raw JSON body against the Go type it is meant for, before
// encoding/json decodes it, and reports every problem encoding/json would
// let through or stop at the first of:
//
//   - keys must equal a field's json tag exactly (encoding/json also takes
//     "Amount_Due" for amount_due and "ſtatus" for status);
//   - a key may appear once per object;
//   - strings must be valid UTF-8 (encoding/json silently turns bad bytes and
//     lone surrogate escapes into U+FFFD) and hold no control characters:
//     C0, DEL and C1, except tab and line breaks in fields tagged
//     `text:"multiline"` (a memo, a message);
//   - every value must have its field's type (an integer where an integer
//     goes, and in its range).
//
// Problems are collected with their JSON path ("customer.email",
// "offsets[2]") and returned together as a *vendors.ValidationError. A body
// that is not JSON at all (syntax, trailing data, raw control bytes inside a
// string, nesting deeper than maxDepth) is errMalformedJSON.
//
// Values decoded into json.RawMessage are only checked for syntax: their
// owner decodes them later on their own (the items of a batch), so that a
// bad item is that item's error.
func checkJSON(data []byte, t reflect.Type) error {
	c := &jsonChecker{data: data}
	if err := c.run(t); err != nil {
		return err
	}
	if len(c.errs) > 0 {
		return &vendors.ValidationError{Fields: c.errs}
	}
	return nil
}

// maxDepth bounds nesting: no request type is deeper than a few levels.
const maxDepth = 64

type jsonChecker struct {
	data  []byte
	pos   int
	depth int
	errs  []vendors.FieldError
}

// jsonSyntaxError stops the walk; run turns it into errMalformedJSON.
type jsonSyntaxError struct {
	msg    string
	offset int
}

func (c *jsonChecker) run(t reflect.Type) (err error) {
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(*jsonSyntaxError)
			if !ok {
				panic(r)
			}
			err = fmt.Errorf("%w: %s at byte %d", errMalformedJSON, se.msg, se.offset)
		}
	}()
	c.space()
	if c.pos == len(c.data) {
		c.fail("the body is empty")
	}
	c.value(target(t), "", false)
	c.space()
	if c.pos < len(c.data) {
		c.fail("data after the JSON value")
	}
	return nil
}

func (c *jsonChecker) fail(msg string) {
	panic(&jsonSyntaxError{msg: msg, offset: c.pos})
}

func (c *jsonChecker) add(path, message string) {
	if path == "" {
		path = "body"
	}
	c.errs = append(c.errs, vendors.FieldError{Field: path, Message: message})
}

func (c *jsonChecker) space() {
	for c.pos < len(c.data) {
		switch c.data[c.pos] {
		case ' ', '\t', '\n', '\r':
			c.pos++
		default:
			return
		}
	}
}

func (c *jsonChecker) peek() byte {
	if c.pos >= len(c.data) {
		c.fail("unexpected end of the body")
	}
	return c.data[c.pos]
}

var (
	rawMessageType  = reflect.TypeFor[json.RawMessage]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	wrapperType     = reflect.TypeFor[jsonWrapper]()
)

// jsonWrapper is a type with its own UnmarshalJSON that holds one value of
// another type (optional[T]): checkJSON checks its JSON as that type.
type jsonWrapper interface {
	wrapped() reflect.Type
}

// kind is what the checker expects of a value.
type kind int

const (
	kindAny    kind = iota // anything, strings still checked (interfaces, custom unmarshalers)
	kindRaw                // syntax only: decoded and checked later by its owner
	kindString             // a JSON string
	kindInt                // a JSON number without fraction or exponent, within bits
	kindUint
	kindFloat
	kindBool
	kindStruct
	kindMap
	kindSlice
)

type expect struct {
	kind kind
	t    reflect.Type // after pointers
}

func target(t reflect.Type) expect {
	if t == nil {
		return expect{kind: kindAny}
	}
	for t.Kind() == reflect.Pointer {
		if t == rawMessageType {
			break
		}
		t = t.Elem()
	}
	switch {
	case t == rawMessageType:
		return expect{kindRaw, t}
	case reflect.PointerTo(t).Implements(wrapperType):
		return target(reflect.New(t).Interface().(jsonWrapper).wrapped())
	case reflect.PointerTo(t).Implements(unmarshalerType):
		return expect{kindAny, t}
	}
	switch t.Kind() {
	case reflect.String:
		return expect{kindString, t}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return expect{kindInt, t}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return expect{kindUint, t}
	case reflect.Float32, reflect.Float64:
		return expect{kindFloat, t}
	case reflect.Bool:
		return expect{kindBool, t}
	case reflect.Struct:
		return expect{kindStruct, t}
	case reflect.Map:
		return expect{kindMap, t}
	case reflect.Slice, reflect.Array:
		return expect{kindSlice, t}
	}
	return expect{kind: kindAny}
}

// want says what a value of e must be, for messages.
func (e expect) want() string {
	switch e.kind {
	case kindString:
		return "a string"
	case kindInt, kindUint:
		return "an integer"
	case kindFloat:
		return "a number"
	case kindBool:
		return "true or false"
	case kindStruct, kindMap:
		return "an object"
	case kindSlice:
		return "an array"
	}
	return "a JSON value"
}

func (c *jsonChecker) value(e expect, path string, multiline bool) {
	if e.kind == kindRaw {
		c.skip()
		return
	}
	start := c.pos
	got := ""
	switch b := c.peek(); {
	case b == '{':
		if e.kind == kindStruct || e.kind == kindMap || e.kind == kindAny {
			c.object(e, path)
			return
		}
		got = "an object"
	case b == '[':
		if e.kind == kindSlice || e.kind == kindAny {
			c.array(e, path)
			return
		}
		got = "an array"
	case b == '"':
		if e.kind == kindString || e.kind == kindAny {
			_, problem := c.str(false, multiline)
			if problem != "" {
				c.add(path, problem)
			}
			return
		}
		got = "a string"
	case b == '-' || b >= '0' && b <= '9':
		integer := c.number()
		switch e.kind {
		case kindAny, kindFloat:
			return
		case kindInt, kindUint:
			lit := string(c.data[start:c.pos])
			if !integer {
				c.add(path, "must be an integer, not "+lit)
				return
			}
			var err error
			if e.kind == kindInt {
				_, err = strconv.ParseInt(lit, 10, e.t.Bits())
			} else {
				_, err = strconv.ParseUint(lit, 10, e.t.Bits())
			}
			if err != nil {
				c.add(path, fmt.Sprintf("%s is out of range", lit))
			}
			return
		}
		c.add(path, "must be "+e.want()+", not a number")
		return
	case b == 't' || b == 'f':
		c.literal()
		if e.kind == kindBool || e.kind == kindAny {
			return
		}
		c.add(path, "must be "+e.want()+", not true or false")
		return
	case b == 'n':
		// null leaves the field as if it were absent, as encoding/json does.
		c.literal()
		return
	default:
		c.fail(fmt.Sprintf("invalid character %q", b))
	}
	c.skip()
	c.add(path, "must be "+e.want()+", not "+got)
}

func (c *jsonChecker) enter() {
	c.depth++
	if c.depth > maxDepth {
		c.fail("nesting deeper than " + strconv.Itoa(maxDepth))
	}
}

func (c *jsonChecker) object(e expect, path string) {
	c.enter()
	c.pos++ // {
	var fields map[string]structField
	if e.kind == kindStruct {
		fields = fieldsOf(e.t)
	}
	seen := map[string]bool{}
	c.space()
	if c.peek() == '}' {
		c.pos++
		c.depth--
		return
	}
	for {
		c.space()
		if c.peek() != '"' {
			c.fail("expected a quoted key")
		}
		key, problem := c.str(true, false)
		child := joinPath(path, key)
		c.space()
		if c.peek() != ':' {
			c.fail("expected ':' after a key")
		}
		c.pos++
		c.space()
		switch {
		case problem != "":
			c.add(child, "is not a known field: the key "+problem)
			c.skip()
		case seen[key]:
			c.add(child, "appears more than once; send each field once")
			c.skip()
		case e.kind == kindStruct:
			seen[key] = true
			f, ok := fields[key]
			if !ok {
				c.add(child, unknownField(key, fields))
				c.skip()
				break
			}
			c.value(f.expect, child, f.multiline)
		case e.kind == kindMap:
			seen[key] = true
			c.value(target(e.t.Elem()), child, false)
		default:
			seen[key] = true
			c.value(expect{kind: kindAny}, child, false)
		}
		c.space()
		switch c.peek() {
		case ',':
			c.pos++
		case '}':
			c.pos++
			c.depth--
			return
		default:
			c.fail("expected ',' or '}' in an object")
		}
	}
}

func (c *jsonChecker) array(e expect, path string) {
	c.enter()
	c.pos++ // [
	elem := expect{kind: kindAny}
	if e.kind == kindSlice {
		elem = target(e.t.Elem())
	}
	c.space()
	if c.peek() == ']' {
		c.pos++
		c.depth--
		return
	}
	for i := 0; ; i++ {
		c.space()
		c.value(elem, fmt.Sprintf("%s[%d]", path, i), false)
		c.space()
		switch c.peek() {
		case ',':
			c.pos++
		case ']':
			c.pos++
			c.depth--
			return
		default:
			c.fail("expected ',' or ']' in an array")
		}
	}
}

// skip checks the syntax of one value and nothing else.
func (c *jsonChecker) skip() {
	switch b := c.peek(); {
	case b == '{':
		c.enter()
		c.pos++
		c.space()
		if c.peek() == '}' {
			c.pos++
			c.depth--
			return
		}
		for {
			c.space()
			if c.peek() != '"' {
				c.fail("expected a quoted key")
			}
			c.str(false, true)
			c.space()
			if c.peek() != ':' {
				c.fail("expected ':' after a key")
			}
			c.pos++
			c.space()
			c.skip()
			c.space()
			switch c.peek() {
			case ',':
				c.pos++
			case '}':
				c.pos++
				c.depth--
				return
			default:
				c.fail("expected ',' or '}' in an object")
			}
		}
	case b == '[':
		c.enter()
		c.pos++
		c.space()
		if c.peek() == ']' {
			c.pos++
			c.depth--
			return
		}
		for {
			c.space()
			c.skip()
			c.space()
			switch c.peek() {
			case ',':
				c.pos++
			case ']':
				c.pos++
				c.depth--
				return
			default:
				c.fail("expected ',' or ']' in an array")
			}
		}
	case b == '"':
		c.str(false, true)
	case b == '-' || b >= '0' && b <= '9':
		c.number()
	case b == 't' || b == 'f' || b == 'n':
		c.literal()
	default:
		c.fail(fmt.Sprintf("invalid character %q", b))
	}
}

func (c *jsonChecker) literal() {
	for _, lit := range []string{"true", "false", "null"} {
		if strings.HasPrefix(string(c.data[c.pos:min(len(c.data), c.pos+len(lit))]), lit) {
			c.pos += len(lit)
			return
		}
	}
	c.fail("invalid literal")
}

// number reads a JSON number and reports whether it is an integer literal
// (no fraction, no exponent).
func (c *jsonChecker) number() bool {
	digits := func() int {
		n := 0
		for c.pos < len(c.data) && c.data[c.pos] >= '0' && c.data[c.pos] <= '9' {
			c.pos++
			n++
		}
		return n
	}
	if c.data[c.pos] == '-' {
		c.pos++
	}
	if c.pos < len(c.data) && c.data[c.pos] == '0' {
		c.pos++
	} else if digits() == 0 {
		c.fail("invalid number")
	}
	integer := true
	if c.pos < len(c.data) && c.data[c.pos] == '.' {
		c.pos++
		integer = false
		if digits() == 0 {
			c.fail("invalid number")
		}
	}
	if c.pos < len(c.data) && (c.data[c.pos] == 'e' || c.data[c.pos] == 'E') {
		c.pos++
		integer = false
		if c.pos < len(c.data) && (c.data[c.pos] == '+' || c.data[c.pos] == '-') {
			c.pos++
		}
		if digits() == 0 {
			c.fail("invalid number")
		}
	}
	return integer
}

// str reads a string starting at its opening quote. It returns the decoded
// text when keep is set, and a problem ("" when none) with its content:
// invalid UTF-8 first, then a control character (tab, line feed and carriage
// return are allowed when multiline). Unescaped bytes below 0x20 are a
// syntax error, as RFC 8259 says.
func (c *jsonChecker) str(keep, multiline bool) (string, string) {
	c.pos++ // "
	var b strings.Builder
	badUTF8 := false
	control := rune(-1)
	see := func(r rune) {
		if keep {
			b.WriteRune(r)
		}
		if control < 0 && isControl(r, multiline) {
			control = r
		}
	}
	for {
		if c.pos >= len(c.data) {
			c.fail("unterminated string")
		}
		ch := c.data[c.pos]
		switch {
		case ch == '"':
			c.pos++
			switch {
			case badUTF8:
				return b.String(), "is not valid UTF-8"
			case control >= 0:
				if multiline {
					return b.String(), fmt.Sprintf("must not contain control characters other than tab and line breaks (found U+%04X)", control)
				}
				return b.String(), fmt.Sprintf("must not contain control characters (found U+%04X)", control)
			}
			return b.String(), ""
		case ch == '\\':
			c.pos++
			if c.pos >= len(c.data) {
				c.fail("unterminated string")
			}
			esc := c.data[c.pos]
			c.pos++
			switch esc {
			case '"', '\\', '/':
				see(rune(esc))
			case 'b':
				see('\b')
			case 'f':
				see('\f')
			case 'n':
				see('\n')
			case 'r':
				see('\r')
			case 't':
				see('\t')
			case 'u':
				r := c.hex4()
				switch {
				case r >= 0xD800 && r < 0xDC00:
					// A high surrogate must be followed by an escaped low one.
					if c.pos+1 < len(c.data) && c.data[c.pos] == '\\' && c.data[c.pos+1] == 'u' {
						save := c.pos
						c.pos += 2
						lo := c.hex4()
						if lo >= 0xDC00 && lo < 0xE000 {
							see((r-0xD800)<<10 + (lo - 0xDC00) + 0x10000)
							continue
						}
						c.pos = save
					}
					badUTF8 = true
					see(utf8.RuneError)
				case r >= 0xDC00 && r < 0xE000:
					badUTF8 = true
					see(utf8.RuneError)
				default:
					see(r)
				}
			default:
				c.pos--
				c.fail(fmt.Sprintf("invalid escape '\\%c' in a string", esc))
			}
		case ch < 0x20:
			c.fail(fmt.Sprintf("unescaped control character 0x%02X in a string (write it as \\u%04X)", ch, ch))
		case ch < utf8.RuneSelf:
			see(rune(ch))
			c.pos++
		default:
			r, size := utf8.DecodeRune(c.data[c.pos:])
			if r == utf8.RuneError && size == 1 {
				badUTF8 = true
			}
			see(r)
			c.pos += size
		}
	}
}

func (c *jsonChecker) hex4() rune {
	if c.pos+4 > len(c.data) {
		c.fail("short \\u escape")
	}
	n, err := strconv.ParseUint(string(c.data[c.pos:c.pos+4]), 16, 32)
	if err != nil {
		c.fail("invalid \\u escape")
	}
	c.pos += 4
	return rune(n)
}

// isControl reports C0 controls (but tab, line feed and carriage return in
// multi-line text), DEL and C1 controls.
func isControl(r rune, multiline bool) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return !multiline
	case r < 0x20, r == 0x7F, r >= 0x80 && r <= 0x9F:
		return true
	}
	return false
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func unknownField(key string, fields map[string]structField) string {
	for name := range fields {
		if strings.EqualFold(name, key) {
			return fmt.Sprintf("is not a known field; did you mean %q? Field names are case-sensitive", name)
		}
	}
	return "is not a known field"
}

type structField struct {
	expect
	multiline bool
}

var fieldCache sync.Map // reflect.Type → map[string]structField

// fieldsOf maps the JSON names of a struct's fields, as encoding/json reads
// them (embedded structs flattened, "-" skipped, untagged fields by name).
func fieldsOf(t reflect.Type) map[string]structField {
	if f, ok := fieldCache.Load(t); ok {
		return f.(map[string]structField)
	}
	fields := map[string]structField{}
	for _, sf := range reflect.VisibleFields(t) {
		if !sf.IsExported() || sf.Anonymous && sf.Tag.Get("json") == "" && sf.Type.Kind() == reflect.Struct {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		if len(sf.Index) > 1 && fields[name] != (structField{}) {
			continue // a shallower field of the same name wins
		}
		fields[name] = structField{expect: target(sf.Type), multiline: sf.Tag.Get("text") == "multiline"}
	}
	fieldCache.Store(t, fields)
	return fields
}
