package policy

import (
	_ "embed"
)

// DefaultSource is the YAML of the policy a fresh install runs: Atak
// Domain's support interaction policy with the registrar's rules as defaults.
//
//go:embed default.yaml
var DefaultSource []byte

// Default returns the built-in policy, freshly read: each caller gets its
// own document, so a caller that changes it (a test, a tool building a
// variant) cannot change the policy anyone else runs. It panics if the
// embedded file is broken, which the package's tests rule out.
func Default() *Document {
	doc, err := Parse("default.yaml", DefaultSource)
	if err != nil {
		panic("policy: the built-in policy is invalid:\n" + err.Error())
	}
	return doc
}
