package api

// listResponse is the shape of every list: items, and for paged lists the
// cursor of the next page ("" on the last page).
type listResponse[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor,omitempty"`
}

// list wraps an unpaged list; items is [] rather than null when empty.
func list[T any](items []T) listResponse[T] {
	if items == nil {
		items = []T{}
	}
	return listResponse[T]{Items: items}
}

// page wraps one page of a paged list.
func page[T any](items []T, next string) listResponse[T] {
	l := list(items)
	l.NextCursor = &next
	return l
}
