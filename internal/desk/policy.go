package desk

import (
	"context"
	"time"
)

// PolicyVersion is one published version of the support interaction policy
// (article 10). It takes effect at PublishedAt and is never edited
// afterwards, only superseded by a later version.
type PolicyVersion struct {
	Version     int       `json:"version"`
	PublishedAt time.Time `json:"published_at"`
	PublishedBy Actor     `json:"published_by"`
	// Source is the policy's YAML exactly as published.
	Source string `json:"source,omitempty"`
	SHA256 string `json:"sha256"`
}

// PolicyStore keeps the published policy versions.
type PolicyStore interface {
	// PublishPolicy stores source as the next version, in force from now.
	// The caller has validated it.
	PublishPolicy(ctx context.Context, source string) (*PolicyVersion, error)
	// PolicyVersions lists every version, newest first, without sources.
	PolicyVersions(ctx context.Context) ([]*PolicyVersion, error)
	// PolicyVersion returns one version with its source.
	PolicyVersion(ctx context.Context, version int) (*PolicyVersion, error)
	// PolicyInForce returns the version in force at the instant: the last
	// one published at or before it. ENOTFOUND when none was.
	PolicyInForce(ctx context.Context, at time.Time) (*PolicyVersion, error)
}
