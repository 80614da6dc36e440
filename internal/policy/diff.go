package policy

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Change is one difference between two policies, at a key path.
type Change struct {
	Path   string
	Before string // "" when the key is new
	After  string // "" when the key was removed
}

// String renders the change as one line.
func (c Change) String() string {
	switch {
	case c.Before == "":
		return fmt.Sprintf("+ %s: %s", c.Path, c.After)
	case c.After == "":
		return fmt.Sprintf("- %s: %s", c.Path, c.Before)
	}
	return fmt.Sprintf("~ %s: %s → %s", c.Path, c.Before, c.After)
}

// Diff lists what changes from a to b, key by key, in path order. Equal
// documents give no changes.
func Diff(a, b *Document) []Change {
	fa, fb := map[string]string{}, map[string]string{}
	flatten(reflect.ValueOf(a).Elem(), "", fa)
	flatten(reflect.ValueOf(b).Elem(), "", fb)
	paths := map[string]bool{}
	for p := range fa {
		paths[p] = true
	}
	for p := range fb {
		paths[p] = true
	}
	sorted := make([]string, 0, len(paths))
	for p := range paths {
		sorted = append(sorted, p)
	}
	sort.Strings(sorted)
	var out []Change
	for _, p := range sorted {
		if fa[p] != fb[p] {
			out = append(out, Change{Path: p, Before: fa[p], After: fb[p]})
		}
	}
	return out
}

// flatten writes every leaf value of v under its key path; zero values are
// left out so that an absent key and an empty one compare equal.
func flatten(v reflect.Value, path string, out map[string]string) {
	if s, ok := v.Interface().(scalar); ok {
		if str := s.String(); str != "" && str != "0s" {
			out[path] = str
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
			if tag == "" || tag == "-" {
				continue
			}
			flatten(v.Field(i), join(path, tag), out)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			flatten(v.MapIndex(k), join(path, k.String()), out)
		}
	case reflect.Slice:
		for i := range v.Len() {
			flatten(v.Index(i), fmt.Sprintf("%s[%d]", path, i), out)
		}
	default:
		if !v.IsZero() {
			out[path] = fmt.Sprint(v.Interface())
		}
	}
}
