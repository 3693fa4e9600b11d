package handlers

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
)

// The strict checker (strictjson.go) can store what it reads as it reads it,
// so that a body is scanned once rather than checked and then decoded again
// by encoding/json (and a batch's items once each rather than five times).
// It stores values exactly as encoding/json would for the types it knows
// (FuzzDecodeStrict compares the two); any other type is checked first and
// then decoded by encoding/json.

var (
	decodableCache      sync.Map // reflect.Type → bool
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// decodable reports whether the checker can store values of t itself:
// strings, integers, floats, booleans, pointers, slices, maps with string
// keys, structs without embedded fields, and jsonWrappers of those, with no
// custom unmarshaler of their own.
func decodable(t reflect.Type) bool {
	if ok, found := decodableCache.Load(t); found {
		return ok.(bool)
	}
	ok := decodableType(t, map[reflect.Type]bool{})
	decodableCache.Store(t, ok)
	return ok
}

func decodableType(t reflect.Type, visiting map[reflect.Type]bool) bool {
	if visiting[t] {
		return true // a recursive type: decided where it started
	}
	visiting[t] = true
	defer delete(visiting, t)
	pt := reflect.PointerTo(t)
	if pt.Implements(wrapperType) {
		return decodableType(reflect.New(t).Interface().(jsonWrapper).wrapped(), visiting)
	}
	if t == rawMessageType || pt.Implements(unmarshalerType) || pt.Implements(textUnmarshalerType) {
		return false
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	case reflect.Pointer, reflect.Slice:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return false // encoding/json reads []byte as base64
		}
		return decodableType(t.Elem(), visiting)
	case reflect.Map:
		return t.Key().Kind() == reflect.String && !reflect.PointerTo(t.Key()).Implements(textUnmarshalerType) &&
			decodableType(t.Elem(), visiting)
	case reflect.Struct:
		for i := range t.NumField() {
			sf := t.Field(i)
			if sf.Anonymous {
				return false
			}
			if !sf.IsExported() || sf.Tag.Get("json") == "-" {
				continue
			}
			if _, opts, _ := cutTag(sf.Tag.Get("json")); opts != "" {
				return false // ",string" and the like
			}
			if !decodableType(sf.Type, visiting) {
				return false
			}
		}
		return true
	}
	return false
}

func cutTag(tag string) (name, opts string, found bool) {
	for i := range len(tag) {
		if tag[i] == ',' {
			return tag[:i], tag[i+1:], true
		}
	}
	return tag, "", false
}

// settle prepares v to take a value that is not null: it allocates nil
// pointers and steps into them and into jsonWrappers, as encoding/json
// does on its way to the value.
func settle(v reflect.Value) reflect.Value {
	for {
		switch {
		case v.Kind() == reflect.Pointer:
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		case v.Kind() == reflect.Struct && isWrapper(v.Type()) && v.CanAddr():
			v = reflect.ValueOf(v.Addr().Interface().(jsonWrapper).present()).Elem()
		default:
			return v
		}
	}
}

// storeNull stores a JSON null in v as encoding/json does: pointers, maps
// and slices become nil, a jsonWrapper is sent with its zero value, anything
// else is left as it is.
func storeNull(v reflect.Value) {
	switch {
	case v.Kind() == reflect.Pointer || v.Kind() == reflect.Map || v.Kind() == reflect.Slice:
		v.SetZero()
	case isWrapper(v.Type()) && v.CanAddr():
		reflect.ValueOf(v.Addr().Interface().(jsonWrapper).present()).Elem().SetZero()
	}
}

// decodeStrict decodes one JSON value into v (a pointer). The checker first
// refuses, all at once and with their JSON paths, the keys, duplicates,
// strings and types encoding/json would accept loosely or report one by one;
// trailing data is malformed JSON. For the request types it knows, the same
// pass stores the value.
func decodeStrict(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() && decodable(rv.Type().Elem()) {
		return checkAndDecode(data, rv.Type(), rv.Elem())
	}
	if err := checkJSON(data, reflect.TypeOf(v)); err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		// checkJSON let through something encoding/json refuses: still the client's fault.
		return fmt.Errorf("%w: %v", errMalformedJSON, err)
	}
	return nil
}

var wrapperCache sync.Map // reflect.Type → bool

// isWrapper reports whether *t is a jsonWrapper, remembering the answer:
// it is asked of every struct a body holds.
func isWrapper(t reflect.Type) bool {
	if ok, found := wrapperCache.Load(t); found {
		return ok.(bool)
	}
	ok := reflect.PointerTo(t).Implements(wrapperType)
	wrapperCache.Store(t, ok)
	return ok
}
