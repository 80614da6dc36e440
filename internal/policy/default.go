package policy

import (
	_ "embed"
	"sync"
)

// DefaultSource is the YAML of the policy a fresh install runs: Atak
// Domain's support interaction policy with the registrar's rules as defaults.
//
//go:embed default.yaml
var DefaultSource []byte

var defaultOnce = sync.OnceValues(func() (*Document, error) {
	return Parse("default.yaml", DefaultSource)
})

// Default returns the built-in policy. It panics if the embedded file is
// broken, which the package's tests rule out.
func Default() *Document {
	doc, err := defaultOnce()
	if err != nil {
		panic("policy: the built-in policy is invalid:\n" + err.Error())
	}
	return doc
}
