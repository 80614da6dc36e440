package desk

import (
	"context"
	"time"
)

// Store is destek's persistence. Two implementations exist, SQLite and
// PostgreSQL, and one conformance suite holds both to the same behaviour.
//
// Every method that changes state writes the change and its audit event(s) in
// one transaction, with the actor taken from the context (ActorFrom); a failed
// call changes nothing. Lookups of a missing row return an *Error with code
// ENOTFOUND; uniqueness clashes return ECONFLICT; bad input returns EINVALID
// with the field named.
type Store interface {
	// Migrate applies the embedded schema migrations. Several nodes calling it
	// at once must be safe (PostgreSQL takes an advisory lock).
	Migrate(ctx context.Context) error
	// Ping reports whether the database answers (readiness).
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error

	AccountStore
	ContactStore
	AgentStore
	TokenStore
	SessionStore
	QueueStore
	TicketStore
	AuditStore
	PolicyStore
	CorrectionStore
	MailStore
	OutboxStore
	WebhookStore
}

// AccountStore keeps customer accounts and their authorised contacts.
type AccountStore interface {
	CreateAccount(ctx context.Context, a *Account) error
	Account(ctx context.Context, id int64) (*Account, error)
	ListAccounts(ctx context.Context, f AccountFilter) ([]*Account, string, error)
	UpdateAccount(ctx context.Context, id int64, u AccountUpdate) (*Account, error)

	AddAuthorisedContact(ctx context.Context, c *AuthorisedContact) error
	AuthorisedContacts(ctx context.Context, accountID int64) ([]*AuthorisedContact, error)
	RemoveAuthorisedContact(ctx context.Context, accountID, id int64) error
}

// ContactStore keeps channel identities of customers.
type ContactStore interface {
	CreateContact(ctx context.Context, c *Contact) error
	Contact(ctx context.Context, id int64) (*Contact, error)
	// ContactByAddress finds a contact by channel and (normalised) address.
	ContactByAddress(ctx context.Context, ch Channel, address string) (*Contact, error)
	ListContacts(ctx context.Context, f ContactFilter) ([]*Contact, string, error)
	UpdateContact(ctx context.Context, id int64, u ContactUpdate) (*Contact, error)
}

// AgentStore keeps staff members and their password hashes.
type AgentStore interface {
	CreateAgent(ctx context.Context, a *Agent, passwordHash string) error
	Agent(ctx context.Context, id int64) (*Agent, error)
	AgentByEmail(ctx context.Context, email string) (*Agent, error)
	// AgentPasswordHash returns the stored argon2id hash of an agent.
	AgentPasswordHash(ctx context.Context, id int64) (string, error)
	SetAgentPassword(ctx context.Context, id int64, passwordHash string) error
	ListAgents(ctx context.Context) ([]*Agent, error)
	UpdateAgent(ctx context.Context, id int64, u AgentUpdate) (*Agent, error)
	// CountAgents counts all agents; zero means a first start.
	CountAgents(ctx context.Context) (int, error)
}

// TokenStore keeps API tokens (only their SHA-256 hashes).
type TokenStore interface {
	CreateToken(ctx context.Context, t *APIToken) error
	// TokenByHash finds a token that is not revoked by the hash of its secret.
	TokenByHash(ctx context.Context, hash []byte) (*APIToken, error)
	ListTokens(ctx context.Context) ([]*APIToken, error)
	RevokeToken(ctx context.Context, id int64) error
	// TouchToken records a use; callers may throttle it.
	TouchToken(ctx context.Context, id int64, at time.Time) error
}

// SessionStore keeps browser sessions (the shape scs expects).
type SessionStore interface {
	SessionFind(ctx context.Context, token string) ([]byte, bool, error)
	SessionCommit(ctx context.Context, token string, data []byte, expiry time.Time) error
	SessionDelete(ctx context.Context, token string) error
	// SessionDeleteExpired removes expired sessions.
	SessionDeleteExpired(ctx context.Context) error
}

// QueueStore keeps queues.
type QueueStore interface {
	ListQueues(ctx context.Context) ([]*Queue, error)
	Queue(ctx context.Context, key string) (*Queue, error)
	CreateQueue(ctx context.Context, q *Queue) error
}

// TicketStore keeps tickets, their messages and attachments, and searches them.
type TicketStore interface {
	// CreateTicket stores a new ticket with its first message. The contact
	// is found by (Channel, Address) or created; t.ContactID and
	// first.AuthorContactID are set from it, as are all IDs and times.
	CreateTicket(ctx context.Context, t *Ticket, contact *Contact, first *Message, files []NewAttachment) error
	Ticket(ctx context.Context, id int64) (*Ticket, error)
	ListTickets(ctx context.Context, f TicketFilter) ([]*Ticket, string, error)
	// UpdateTicket applies u; fields left nil are unchanged. A status change
	// is checked with CheckTransition against the current status, under the
	// same lock as the write. A change of scope category is also recorded as
	// a ScopeCorrection.
	UpdateTicket(ctx context.Context, id int64, u TicketUpdate) (*Ticket, error)
	// LinkTickets links a to b (and b to a for related links). A merged link
	// closes a and sets a.MergedIntoID = b.
	LinkTickets(ctx context.Context, a, b int64, kind LinkKind) error

	// AddMessage appends a message (and its attachments) to a ticket and
	// moves the ticket's status as StatusAfterMessage says (reopen lets a
	// reply reopen a closed ticket), in one transaction; it returns the
	// ticket as it now is. A merged ticket takes only notes (ECONFLICT).
	AddMessage(ctx context.Context, m *Message, files []NewAttachment, reopen bool) (*Ticket, error)
	Messages(ctx context.Context, ticketID int64) ([]*Message, error)
	Message(ctx context.Context, id int64) (*Message, error)
	Attachment(ctx context.Context, id int64) (*Attachment, error)
	AttachmentData(ctx context.Context, id int64) ([]byte, error)

	// Search finds tickets whose subject or messages match the query, in
	// Turkish or English, with Turkish letters folded (sifre finds Şifremi).
	Search(ctx context.Context, q SearchQuery) ([]SearchHit, error)
}

// AuditStore reads the audit trail written by the other methods.
type AuditStore interface {
	ListAudit(ctx context.Context, f AuditFilter) ([]*AuditEvent, string, error)
}

// Page bounds for list calls.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// AccountFilter selects accounts. Cursor is the opaque value returned by the
// previous page ("" for the first).
type AccountFilter struct {
	Status AccountStatus
	Kind   AccountKind
	Query  string // matches name or e-mail, case-insensitively
	Limit  int
	Cursor string
}

// AccountUpdate changes an account; nil fields stay.
type AccountUpdate struct {
	Name     *string
	Kind     *AccountKind
	Status   *AccountStatus
	Email    *string
	Phone    *string
	ParentID **int64
}

// ContactFilter selects contacts.
type ContactFilter struct {
	Channel   Channel
	AccountID *int64
	Query     string
	Limit     int
	Cursor    string
}

// ContactUpdate changes a contact; nil fields stay. AccountID set to a nil
// *int64 unlinks the contact.
type ContactUpdate struct {
	Name      *string
	AccountID **int64
}

// AgentUpdate changes an agent; nil fields stay.
type AgentUpdate struct {
	Name   *string
	Role   *AgentRole
	Active *bool
}

// TicketFilter selects tickets, newest first.
type TicketFilter struct {
	Status     []TicketStatus
	Queue      string
	AssigneeID *int64
	Unassigned bool
	ContactID  *int64
	AccountID  *int64
	Channel    Channel
	Tag        string
	Priority   Priority
	Limit      int
	Cursor     string
}

// TicketUpdate changes a ticket; nil fields stay. AssigneeID set to a nil
// *int64 unassigns.
type TicketUpdate struct {
	Subject       *string
	Status        *TicketStatus
	Priority      *Priority
	Queue         *string
	ScopeCategory *string
	AssigneeID    **int64
	AccountID     **int64
	Tags          *[]string
}

// SearchQuery is a full-text search over tickets and messages.
type SearchQuery struct {
	Text  string
	Limit int
}

// SearchHit is one ticket matched by a search, with the best snippet.
type SearchHit struct {
	TicketID  int64   `json:"ticket_id"`
	MessageID *int64  `json:"message_id"`
	Subject   string  `json:"subject"`
	Snippet   string  `json:"snippet"`
	Rank      float64 `json:"rank"`
}

// AuditFilter selects audit events, newest first.
type AuditFilter struct {
	EntityType string
	EntityID   *int64
	Action     string
	Limit      int
	Cursor     string
}
