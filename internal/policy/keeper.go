package policy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"destek/internal/desk"
)

// InForce is the policy that judges what happens now: its published
// version number, its publication instant and the parsed document.
type InForce struct {
	Version     int
	PublishedAt time.Time
	Doc         *Document
}

// Keeper holds the policy in force for a running server. It reads the
// store's newest version at start and whenever Refresh is called (after a
// publication on this node, and periodically by Watch so that a version
// published on another node takes effect there too).
type Keeper struct {
	store desk.PolicyStore
	cur   atomic.Pointer[InForce]
}

// NewKeeper loads the policy in force from the store.
func NewKeeper(ctx context.Context, s desk.PolicyStore) (*Keeper, error) {
	k := &Keeper{store: s}
	if err := k.Refresh(ctx); err != nil {
		return nil, err
	}
	return k, nil
}

// Current returns the policy in force. It never returns nil.
func (k *Keeper) Current() *InForce { return k.cur.Load() }

// Refresh reloads the policy in force from the store. A stored version that
// no longer parses (it was valid when published, so only a change of the
// rules themselves can cause this) is an error and the previous policy stays.
func (k *Keeper) Refresh(ctx context.Context) error {
	v, err := k.store.PolicyInForce(ctx, time.Now())
	if desk.ErrorCode(err) == desk.ENOTFOUND {
		// Nothing published yet: the built-in policy, as version 0.
		if cur := k.cur.Load(); cur == nil || cur.Version != 0 {
			k.cur.Store(&InForce{Version: 0, Doc: Default()})
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("load the policy in force: %w", err)
	}
	if cur := k.cur.Load(); cur != nil && cur.Version == v.Version {
		return nil
	}
	doc, err := Parse(fmt.Sprintf("policy version %d", v.Version), []byte(v.Source))
	if err != nil {
		return fmt.Errorf("policy version %d no longer validates: %w", v.Version, err)
	}
	k.cur.Store(&InForce{Version: v.Version, PublishedAt: v.PublishedAt, Doc: doc})
	return nil
}

// Watch refreshes the policy every interval until ctx ends.
func (k *Keeper) Watch(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := k.Refresh(ctx); err != nil && !errors.Is(err, context.Canceled) {
				log.Warn("policy refresh failed", "err", err)
			}
		}
	}
}

// Publish validates source and stores it as the next version, in force from
// now, then makes it current on this node. Problems in the source come back
// as Problems and nothing is stored.
func (k *Keeper) Publish(ctx context.Context, name string, source []byte) (*desk.PolicyVersion, error) {
	if _, err := Parse(name, source); err != nil {
		return nil, err
	}
	v, err := k.store.PublishPolicy(ctx, string(source))
	if err != nil {
		return nil, err
	}
	return v, k.Refresh(ctx)
}

// EnsurePublished publishes the built-in policy as version 1 when no version
// has been published yet, so a fresh install records what judged it. Nodes
// starting together may race: the loser sees a conflict and leaves it.
func EnsurePublished(ctx context.Context, s desk.PolicyStore) error {
	vs, err := s.PolicyVersions(ctx)
	if err != nil {
		return err
	}
	if len(vs) > 0 {
		return nil
	}
	_, err = s.PublishPolicy(desk.WithActor(ctx, desk.SystemActor), string(DefaultSource))
	if desk.ErrorCode(err) == desk.ECONFLICT {
		return nil
	}
	return err
}
