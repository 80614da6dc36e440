package decode

import (
	"bytes"
	"encoding/json"
)

// Optional is a JSON field that distinguishes "absent" from "null": after
// decoding, Set reports whether the field was in the document and Value is
// nil for null. PATCH bodies use it for fields that may be cleared.
type Optional[T any] struct {
	Set   bool
	Value *T
}

// UnmarshalJSON implements json.Unmarshaler. Type errors keep the field name
// of the enclosing struct, because encoding/json adds it.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if bytes.Equal(b, []byte("null")) {
		o.Value = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	o.Value = &v
	return nil
}

// Ptr returns the **T form the store's update types use for clearable
// fields: nil when the field was absent, a pointer to nil for null.
func (o Optional[T]) Ptr() **T {
	if !o.Set {
		return nil
	}
	v := o.Value
	return &v
}
