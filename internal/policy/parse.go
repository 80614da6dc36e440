package policy

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Problem is one thing wrong with a policy file, located in it.
type Problem struct {
	File    string
	Line    int
	Column  int
	Path    string // the key path, e.g. scope.categories.dns.queue
	Message string
}

// String renders the problem as file:line:column: message (path).
func (p Problem) String() string {
	loc := p.File
	if p.Line > 0 {
		loc = fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
	}
	if p.Path != "" {
		return fmt.Sprintf("%s: %s: %s", loc, p.Path, p.Message)
	}
	return fmt.Sprintf("%s: %s", loc, p.Message)
}

// Problems is the list of everything wrong with a policy file; as an error
// it prints one problem per line.
type Problems []Problem

// Error implements error.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Parse reads a policy from YAML and checks it. file names the source in
// problem reports. It returns the document only when there are no problems;
// otherwise the error is a Problems listing all of them in file order.
func Parse(file string, data []byte) (*Document, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		return nil, Problems{syntaxProblem(file, err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, Problems{{File: file, Line: extra.Line, Column: extra.Column, Message: "a policy file holds one YAML document; remove the second one (after ---)"}}
	}
	d := &decoder{file: file, pos: map[string]position{}}
	var doc Document
	if len(root.Content) == 0 {
		return nil, Problems{{File: file, Line: 1, Column: 1, Message: "the policy file is empty"}}
	}
	d.decode(root.Content[0], reflect.ValueOf(&doc).Elem(), "")
	if len(d.problems) == 0 {
		d.problems = append(d.problems, validate(&doc, d.locate)...)
	}
	if len(d.problems) > 0 {
		sort.SliceStable(d.problems, func(i, j int) bool {
			a, b := d.problems[i], d.problems[j]
			if a.Line != b.Line {
				return a.Line < b.Line
			}
			return a.Column < b.Column
		})
		return nil, Problems(d.problems)
	}
	return &doc, nil
}

var yamlLine = regexp.MustCompile(`line (\d+)(?::(\d+))?`)

// syntaxProblem turns a YAML syntax error into a located problem.
func syntaxProblem(file string, err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	p := Problem{File: file, Message: "YAML syntax: " + msg}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		p.Column = 1
		if m[2] != "" {
			p.Column, _ = strconv.Atoi(m[2])
		}
		p.Message = "YAML syntax: " + strings.TrimSpace(yamlLine.ReplaceAllString(msg, ""))
		p.Message = strings.TrimSuffix(strings.TrimPrefix(p.Message, "YAML syntax: :"), ":")
		if !strings.HasPrefix(p.Message, "YAML syntax") {
			p.Message = "YAML syntax:" + p.Message
		}
	}
	if errors.Is(err, bytes.ErrTooLarge) {
		p.Message = "the policy file is too large"
	}
	return p
}

type position struct{ line, col int }

// decoder turns a YAML node tree into Go values strictly: unknown keys,
// duplicate keys and values of the wrong type are problems, each at its
// place in the file, and decoding goes on to find the rest.
type decoder struct {
	file     string
	problems []Problem
	pos      map[string]position
}

func (d *decoder) problem(n *yaml.Node, path, format string, args ...any) {
	d.problems = append(d.problems, Problem{File: d.file, Line: n.Line, Column: n.Column, Path: path, Message: fmt.Sprintf(format, args...)})
}

// locate returns the place of a path, or of its nearest parent that has one.
func (d *decoder) locate(path string) (string, int, int) {
	for p := path; ; {
		if pos, ok := d.pos[p]; ok {
			return d.file, pos.line, pos.col
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			if pos, ok := d.pos[""]; ok {
				return d.file, pos.line, pos.col
			}
			return d.file, 0, 0
		}
		p = p[:i]
	}
}

var scalarType = reflect.TypeOf((*scalar)(nil)).Elem()

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing"
		case "!!int":
			return "the number " + n.Value
		case "!!bool":
			return "the boolean " + n.Value
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "an unexpected node"
}

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	d.pos[path] = position{n.Line, n.Column}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // left at its zero value; validation says if it was required
	}
	if v.CanAddr() && v.Addr().Type().Implements(scalarType) {
		if n.Kind != yaml.ScalarNode {
			d.problem(n, path, "want a single value here, found %s", kindName(n))
			return
		}
		if err := v.Addr().Interface().(scalar).parseScalar(n.Value); err != nil {
			d.problem(n, path, "%s", err)
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.problem(n, path, "want a mapping (key: value lines) here, found %s", kindName(n))
			return
		}
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if seen[k.Value] {
				d.problem(k, join(path, k.Value), "duplicate key %q", k.Value)
				continue
			}
			seen[k.Value] = true
			elem := reflect.New(v.Type().Elem()).Elem()
			d.pos[join(path, k.Value)] = position{k.Line, k.Column}
			d.decode(val, elem, join(path, k.Value))
			d.pos[join(path, k.Value)] = position{k.Line, k.Column}
			v.SetMapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key()), elem)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.problem(n, path, "want a list (lines starting with -) here, found %s", kindName(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.problem(n, path, "want text here, found %s", kindName(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Int:
		i, err := strconv.Atoi(n.Value)
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || err != nil {
			d.problem(n, path, "want a whole number here, found %s", kindName(n))
			return
		}
		v.SetInt(int64(i))
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			d.problem(n, path, "want true or false here, found %s", kindName(n))
			return
		}
		v.SetBool(n.Value == "true")
	default:
		d.problem(n, path, "cannot read a value of Go type %s", v.Type())
	}
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.problem(n, path, "want a mapping (key: value lines) here, found %s", kindName(n))
		return
	}
	t := v.Type()
	fields := map[string]int{}
	var known []string
	for i := range t.NumField() {
		tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		fields[tag] = i
		known = append(known, tag)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		fp := join(path, k.Value)
		idx, ok := fields[k.Value]
		if !ok {
			d.problem(k, fp, "unknown key %q; the keys allowed here are: %s", k.Value, strings.Join(known, ", "))
			continue
		}
		if seen[k.Value] {
			d.problem(k, fp, "duplicate key %q", k.Value)
			continue
		}
		seen[k.Value] = true
		d.decode(val, v.Field(idx), fp)
		if val.Kind == yaml.ScalarNode {
			// Point at the value for scalars: that is what needs fixing.
			d.pos[fp] = position{val.Line, val.Column}
		} else {
			d.pos[fp] = position{k.Line, k.Column}
		}
	}
}
