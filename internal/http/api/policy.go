package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"destek/internal/desk"
	"destek/internal/http/decode"
	"destek/internal/http/respond"
	"destek/internal/policy"
)

// maxPolicyBody bounds a published policy (the built-in one is ~30 KiB).
const maxPolicyBody = 1 << 20

// policyInForce returns the policy version that judges what happens now,
// with its YAML source.
func (s *server) policyInForce(w http.ResponseWriter, r *http.Request) error {
	cur := s.cfg.Policy.Current()
	if cur.Version == 0 {
		// Nothing published (an install that never ran `destek serve`'s
		// start-up): the built-in policy judges.
		respond.JSON(w, http.StatusOK, &desk.PolicyVersion{Version: 0, Source: string(policy.DefaultSource)})
		return nil
	}
	v, err := s.store.PolicyVersion(r.Context(), cur.Version)
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, v)
	return nil
}

// listPolicyVersions lists every published version, newest first.
func (s *server) listPolicyVersions(w http.ResponseWriter, r *http.Request) error {
	vs, err := s.store.PolicyVersions(r.Context())
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, list(vs))
	return nil
}

// getPolicyVersion returns one published version with its source; earlier
// versions stay readable after they are superseded.
func (s *server) getPolicyVersion(w http.ResponseWriter, r *http.Request) error {
	n, err := decode.PathID(r, "version")
	if err != nil {
		return err
	}
	if n > 1<<31-1 {
		return desk.Errorf(desk.ENOTFOUND, "policy version %d does not exist", n)
	}
	v, err := s.store.PolicyVersion(r.Context(), int(n))
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, v)
	return nil
}

type publishPolicyRequest struct {
	Source string `json:"source"`
}

// publishPolicy checks a policy and publishes it as the next version, in
// force from this instant (article 10). A policy with problems is refused
// with every problem, located by line and column, and nothing is stored.
func (s *server) publishPolicy(w http.ResponseWriter, r *http.Request) error {
	var in publishPolicyRequest
	if err := decode.JSONLimit(w, r, &in, maxPolicyBody+4096); err != nil {
		return err
	}
	if strings.TrimSpace(in.Source) == "" {
		return desk.FieldErrorf("source", "source is required: the policy document as YAML text")
	}
	v, err := s.cfg.Policy.Publish(r.Context(), "source", []byte(in.Source))
	var ps policy.Problems
	if errors.As(err, &ps) {
		lines := make([]string, len(ps))
		for i, p := range ps {
			lines[i] = p.String()
		}
		return desk.FieldErrorf("source", "the policy has %d problem(s); nothing was published:\n%s", len(ps), strings.Join(lines, "\n"))
	}
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/policy/versions/%d", v.Version))
	respond.JSON(w, http.StatusCreated, v)
	return nil
}
