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
	return checkAndDecode(data, t, reflect.Value{})
}

// checkAndDecode is checkJSON that also stores the value in dst (settable,
// of type t) in the same pass, as encoding/json would, when dst is valid:
// dst must then be of a type decodable says it can decode. What it stores is
// meaningful only when it returns nil.
func checkAndDecode(data []byte, t reflect.Type, dst reflect.Value) error {
	c := &jsonChecker{data: data}
	if err := c.run(t, dst); err != nil {
		return err
	}
	return c.result()
}

// result is the outcome of a walk that reached its end: the problems found,
// else a value encoding/json would not have stored either.
func (c *jsonChecker) result() error {
	if len(c.errs) > 0 {
		return &vendors.ValidationError{Fields: c.errs}
	}
	if c.decodeErr != nil {
		return fmt.Errorf("%w: %v", errMalformedJSON, c.decodeErr)
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
	// decodeErr is the first value that passed the checks but could not be
	// stored (a float out of range): encoding/json refuses it too.
	decodeErr error
}

// jsonSyntaxError stops the walk; run turns it into errMalformedJSON.
type jsonSyntaxError struct {
	msg    string
	offset int
}

func (c *jsonChecker) run(t reflect.Type, dst reflect.Value) (err error) {
	defer c.recoverSyntax(&err)
	c.space()
	if c.pos == len(c.data) {
		c.fail("the body is empty")
	}
	c.value(target(t), "", false, dst)
	c.end()
	return nil
}

// end checks that nothing but white space follows the value.
func (c *jsonChecker) end() {
	c.space()
	if c.pos < len(c.data) {
		c.fail("data after the JSON value")
	}
}

// recoverSyntax turns the panic of fail into errMalformedJSON in *err.
func (c *jsonChecker) recoverSyntax(err *error) {
	if r := recover(); r != nil {
		se, ok := r.(*jsonSyntaxError)
		if !ok {
			panic(r)
		}
		*err = fmt.Errorf("%w: %s at byte %d", errMalformedJSON, se.msg, se.offset)
	}
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
	// present records that the value was sent and returns a pointer to
	// where the wrapped value goes.
	present() any
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

// value checks one value against e and, when dst is valid, stores it there.
func (c *jsonChecker) value(e expect, path string, multiline bool, dst reflect.Value) {
	if e.kind == kindRaw {
		c.skip()
		return
	}
	start := c.pos
	got := ""
	b := c.peek()
	if dst.IsValid() {
		if b == 'n' {
			storeNull(dst)
		} else {
			dst = settle(dst)
		}
	}
	switch {
	case b == '{':
		if e.kind == kindStruct || e.kind == kindMap || e.kind == kindAny {
			c.object(e, path, dst)
			return
		}
		got = "an object"
	case b == '[':
		if e.kind == kindSlice || e.kind == kindAny {
			c.array(e, path, dst)
			return
		}
		got = "an array"
	case b == '"':
		if e.kind == kindString || e.kind == kindAny {
			s, problem := c.str(dst.IsValid(), multiline)
			if problem != "" {
				c.add(path, problem)
			} else if dst.IsValid() {
				dst.SetString(s)
			}
			return
		}
		got = "a string"
	case b == '-' || b >= '0' && b <= '9':
		integer := c.number()
		switch e.kind {
		case kindAny:
			return
		case kindFloat:
			if dst.IsValid() {
				f, err := strconv.ParseFloat(string(c.data[start:c.pos]), e.t.Bits())
				if err != nil && c.decodeErr == nil {
					c.decodeErr = fmt.Errorf("%s: %w", path, err)
				}
				dst.SetFloat(f)
			}
			return
		case kindInt, kindUint:
			lit := string(c.data[start:c.pos])
			if !integer {
				c.add(path, "must be an integer, not "+lit)
				return
			}
			if e.kind == kindInt {
				n, err := strconv.ParseInt(lit, 10, e.t.Bits())
				if err != nil {
					c.add(path, fmt.Sprintf("%s is out of range", lit))
				} else if dst.IsValid() {
					dst.SetInt(n)
				}
			} else {
				n, err := strconv.ParseUint(lit, 10, e.t.Bits())
				if err != nil {
					c.add(path, fmt.Sprintf("%s is out of range", lit))
				} else if dst.IsValid() {
					dst.SetUint(n)
				}
			}
			return
		}
		c.add(path, "must be "+e.want()+", not a number")
		return
	case b == 't' || b == 'f':
		c.literal()
		if e.kind == kindBool || e.kind == kindAny {
			if dst.IsValid() && e.kind == kindBool {
				dst.SetBool(b == 't')
			}
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

func (c *jsonChecker) object(e expect, path string, dst reflect.Value) {
	c.enter()
	c.pos++ // {
	var fields map[string]structField
	if e.kind == kindStruct {
		fields = fieldsOf(e.t)
	}
	if dst.IsValid() && e.kind == kindMap {
		if dst.Kind() != reflect.Map {
			dst = reflect.Value{}
		} else if dst.IsNil() {
			dst.Set(reflect.MakeMap(dst.Type()))
		}
	}
	var seen map[string]bool
	var seenFields uint64 // fields by index, when the key was plain (see plainKey)
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
		if e.kind == kindStruct {
			if f, ok := c.plainField(fields); ok {
				c.colon()
				child := f.name
				if path != "" {
					child = path + "." + f.name
				}
				if seenFields&(1<<f.index) != 0 {
					c.add(child, "appears more than once; send each field once")
					c.skip()
				} else {
					seenFields |= 1 << f.index
					var fv reflect.Value
					if dst.IsValid() && dst.Kind() == reflect.Struct {
						fv = dst.Field(f.index)
					}
					c.value(f.expect, child, f.multiline, fv)
				}
				if c.objectNext() {
					return
				}
				continue
			}
		}
		key, problem := c.str(true, false)
		child := joinPath(path, key)
		c.colon()
		if seen == nil {
			seen = make(map[string]bool, len(fields))
		}
		if f, ok := fields[key]; ok && f.direct && problem == "" && seenFields&(1<<f.index) != 0 {
			seen[key] = true // sent before as a plain key, now escaped
		}
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
			var fv reflect.Value
			if dst.IsValid() && dst.Kind() == reflect.Struct {
				fv = dst.Field(f.index)
			}
			c.value(f.expect, child, f.multiline, fv)
		case e.kind == kindMap:
			seen[key] = true
			if !dst.IsValid() {
				c.value(target(e.t.Elem()), child, false, reflect.Value{})
				break
			}
			elem := reflect.New(dst.Type().Elem()).Elem()
			c.value(target(e.t.Elem()), child, false, elem)
			dst.SetMapIndex(reflect.ValueOf(key).Convert(dst.Type().Key()), elem)
		default:
			seen[key] = true
			c.value(expect{kind: kindAny}, child, false, reflect.Value{})
		}
		if f, ok := fields[key]; ok && f.direct && problem == "" {
			seenFields |= 1 << f.index
		}
		if c.objectNext() {
			return
		}
	}
}

// objectNext reads what follows a member: a comma, or the end of the
// object (true).
func (c *jsonChecker) objectNext() bool {
	c.space()
	switch c.peek() {
	case ',':
		c.pos++
		return false
	case '}':
		c.pos++
		c.depth--
		return true
	}
	c.fail("expected ',' or '}' in an object")
	return false
}

// plainField reads a key that needs no decoding (no escape, nothing to
// refuse) and names a direct field of the struct among the first 64, and
// returns that field: the usual key, read without allocating. Any other
// key is left unread.
func (c *jsonChecker) plainField(fields map[string]structField) (structField, bool) {
	start := c.pos + 1
	for i := start; i < len(c.data); i++ {
		switch ch := c.data[i]; {
		case ch == '"':
			f, ok := fields[string(c.data[start:i])]
			if !ok || !f.direct {
				return structField{}, false
			}
			c.pos = i + 1
			return f, true
		case ch < 0x20 || ch == '\\' || ch >= 0x7F:
			return structField{}, false
		}
	}
	return structField{}, false
}

func (c *jsonChecker) array(e expect, path string, dst reflect.Value) {
	elem := expect{kind: kindAny}
	if e.kind == kindSlice {
		elem = target(e.t.Elem())
	}
	if dst.IsValid() && dst.Kind() != reflect.Slice {
		dst = reflect.Value{}
	}
	if dst.IsValid() {
		// [] is an empty slice, not nil, as encoding/json makes it.
		dst.Set(reflect.MakeSlice(dst.Type(), 0, 0))
	}
	c.elements(func(i int) {
		var ev reflect.Value
		if dst.IsValid() {
			dst.Set(reflect.Append(dst, reflect.Zero(dst.Type().Elem())))
			ev = dst.Index(i)
		}
		c.value(elem, path+"["+strconv.Itoa(i)+"]", false, ev)
	})
}

// members walks an object from its opening brace: for each member it reads
// the key (decoded when keep; problem as str reports it) and the colon, and
// calls member, which must read the value.
func (c *jsonChecker) members(keep bool, member func(key, problem string)) {
	c.enter()
	c.pos++ // {
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
		key, problem := c.str(keep, !keep)
		c.colon()
		member(key, problem)
		if c.objectNext() {
			return
		}
	}
}

// colon reads the colon after a key and the space around it.
func (c *jsonChecker) colon() {
	c.space()
	if c.peek() != ':' {
		c.fail("expected ':' after a key")
	}
	c.pos++
	c.space()
}

// elements walks an array from its opening bracket, calling element with
// the index of each element, which it must read.
func (c *jsonChecker) elements(element func(i int)) {
	c.enter()
	c.pos++ // [
	c.space()
	if c.peek() == ']' {
		c.pos++
		c.depth--
		return
	}
	for i := 0; ; i++ {
		c.space()
		element(i)
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
		c.members(false, func(string, string) { c.skip() })
	case b == '[':
		c.elements(func(int) { c.skip() })
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
	rest := c.data[c.pos:]
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(rest) >= len(lit) && string(rest[:len(lit)]) == lit {
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
	// Most strings hold no escape and nothing to refuse: their bytes are
	// their text.
	start := c.pos + 1
	for i := start; i < len(c.data); {
		ch := c.data[i]
		if ch == '"' {
			c.pos = i + 1
			if keep {
				return string(c.data[start:i]), ""
			}
			return "", ""
		}
		if ch < 0x20 || ch == '\\' || ch == 0x7F {
			break
		}
		if ch < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(c.data[i:])
		if r == utf8.RuneError && size == 1 || r <= 0x9F {
			break
		}
		i += size
	}
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
	name      string
	index     int  // in the struct, when direct
	direct    bool // a field of the struct itself (not embedded), among its first 64
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
		if old := fields[name]; len(sf.Index) > 1 && (old.expect != (expect{}) || old.multiline) {
			continue // a shallower field of the same name wins
		}
		fields[name] = structField{expect: target(sf.Type), multiline: sf.Tag.Get("text") == "multiline", name: name,
			index: sf.Index[0], direct: len(sf.Index) == 1 && sf.Index[0] < 64}
	}
	fieldCache.Store(t, fields)
	return fields
}
