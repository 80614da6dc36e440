package desk

import "context"

type actorKey struct{}

// WithActor returns a context that carries the actor of the changes made
// with it; stores read it to write audit events.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the context's actor, or the system actor when none is set.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Kind: ActorSystem}
}

// SystemActor is the actor of changes destek makes by itself.
var SystemActor = Actor{Kind: ActorSystem}
