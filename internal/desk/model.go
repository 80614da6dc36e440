package desk

import (
	"encoding/json"
	"time"
)

// AccountKind is the kind of customer an account belongs to (policy article 2).
type AccountKind string

// Account kinds.
const (
	AccountIndividual AccountKind = "individual"
	AccountCorporate  AccountKind = "corporate"
	AccountReseller   AccountKind = "reseller"
)

// AccountStatus is the life-cycle state of a customer account.
type AccountStatus string

// Account statuses. Suspension is the level-3 sanction of article 7.3.
const (
	AccountActive    AccountStatus = "active"
	AccountSuspended AccountStatus = "suspended"
	AccountClosed    AccountStatus = "closed"
)

// Account is a customer account at the registrar. Email and Phone are the
// registered ones: one-time codes go only there. ParentID is set on the
// sub-accounts of a reseller.
type Account struct {
	ID        int64         `json:"id"`
	Name      string        `json:"name"`
	Kind      AccountKind   `json:"kind"`
	Status    AccountStatus `json:"status"`
	Email     string        `json:"email"`
	Phone     string        `json:"phone"`
	ParentID  *int64        `json:"parent_id"`
	CreatedAt time.Time     `json:"created_at"`
	UpdatedAt time.Time     `json:"updated_at"`
}

// AccountRole is the authority an authorised person has over an account.
type AccountRole string

// Roles of authorised contacts.
const (
	AccountOwner     AccountRole = "owner"
	AccountAdmin     AccountRole = "admin"
	AccountTechnical AccountRole = "technical"
	AccountBilling   AccountRole = "billing"
)

// AuthorisedContact is a person allowed to act for an account (article 4.2:
// only they can be verified, and only they may order critical operations).
type AuthorisedContact struct {
	ID        int64       `json:"id"`
	AccountID int64       `json:"account_id"`
	Name      string      `json:"name"`
	Email     string      `json:"email"`
	Phone     string      `json:"phone"`
	Role      AccountRole `json:"role"`
	CreatedAt time.Time   `json:"created_at"`
}

// Channel is a support channel of article 9.
type Channel string

// Channels.
const (
	ChannelTicket Channel = "ticket" // the web form / portal / API
	ChannelEmail  Channel = "email"
	ChannelChat   Channel = "chat"
	ChannelPhone  Channel = "phone"
	ChannelSocial Channel = "social"
)

// Contact is a person as seen on one channel: an e-mail address, a chat
// visitor id, a phone number or a social handle. (Channel, Address) is
// unique; Address is stored normalised (see NormaliseAddress). A contact may
// be linked to a customer account once it is known whose it is.
type Contact struct {
	ID        int64     `json:"id"`
	Channel   Channel   `json:"channel"`
	Address   string    `json:"address"`
	Name      string    `json:"name"`
	AccountID *int64    `json:"account_id"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// AgentRole is what a staff member may do. Each role includes the ones
// before it: agent < supervisor < admin.
type AgentRole string

// Agent roles.
const (
	RoleAgent      AgentRole = "agent"
	RoleSupervisor AgentRole = "supervisor"
	RoleAdmin      AgentRole = "admin"
)

// Agent is a staff member who logs in to the desk.
type Agent struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      AgentRole `json:"role"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// APIToken is a credential for integrations. Only the SHA-256 of the secret
// is stored; the secret is shown once, when it is created.
type APIToken struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Role       AgentRole  `json:"role"`
	Hash       []byte     `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// Queue is a team's work list (article 5.3: route to the right unit).
type Queue struct {
	Key         string    `json:"key"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
}

// Default queue keys, created by the first migration.
const (
	QueueSupport              = "support"
	QueueTechnical            = "technical"
	QueueBilling              = "billing"
	QueueLegal                = "legal"
	QueueAbuse                = "abuse"
	QueueProfessionalServices = "professional_services"
)

// TicketStatus is where a ticket is in its life cycle.
type TicketStatus string

// Ticket statuses.
const (
	StatusNew             TicketStatus = "new"
	StatusOpen            TicketStatus = "open"
	StatusPendingCustomer TicketStatus = "pending_customer"
	StatusPendingInternal TicketStatus = "pending_internal"
	StatusResolved        TicketStatus = "resolved"
	StatusClosed          TicketStatus = "closed"
)

// Priority orders work within a queue.
type Priority string

// Priorities.
const (
	PriorityLow    Priority = "low"
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// LinkKind says how two tickets relate.
type LinkKind string

// Link kinds. A merged link points from the ticket that was merged to the one
// that carries on.
const (
	LinkRelated LinkKind = "related"
	LinkMerged  LinkKind = "merged"
)

// TicketLink is a link from one ticket to another.
type TicketLink struct {
	TicketID  int64     `json:"ticket_id"`
	Kind      LinkKind  `json:"kind"`
	CreatedAt time.Time `json:"created_at"`
}

// Ticket is one support request: one conversation, on whichever channel it
// started, and the policy version in force when it was opened.
type Ticket struct {
	ID            int64        `json:"id"`
	Subject       string       `json:"subject"`
	Status        TicketStatus `json:"status"`
	Priority      Priority     `json:"priority"`
	Queue         string       `json:"queue"`
	ScopeCategory string       `json:"scope_category"`
	AssigneeID    *int64       `json:"assignee_id"`
	ContactID     int64        `json:"contact_id"`
	AccountID     *int64       `json:"account_id"`
	Channel       Channel      `json:"channel"`
	PolicyVersion int          `json:"policy_version"`
	MergedIntoID  *int64       `json:"merged_into_id"`
	Tags          []string     `json:"tags"`
	Links         []TicketLink `json:"links"`
	CreatedAt     time.Time    `json:"created_at"`
	UpdatedAt     time.Time    `json:"updated_at"`
	ClosedAt      *time.Time   `json:"closed_at"`
}

// Direction says who a message is from and who sees it.
type Direction string

// Directions. Notes are internal: customers never see them.
const (
	Inbound  Direction = "inbound"
	Outbound Direction = "outbound"
	Note     Direction = "note"
)

// Message is one entry of a ticket's conversation. Text is the plain text;
// HTML, when the channel sent any, is already sanitised.
type Message struct {
	ID              int64        `json:"id"`
	TicketID        int64        `json:"ticket_id"`
	Direction       Direction    `json:"direction"`
	Channel         Channel      `json:"channel"`
	AuthorAgentID   *int64       `json:"author_agent_id"`
	AuthorContactID *int64       `json:"author_contact_id"`
	Text            string       `json:"text"`
	HTML            string       `json:"html,omitempty"`
	Attachments     []Attachment `json:"attachments"`
	// Classification is set on inbound messages: what the policy engine
	// found, under the policy version it names.
	Classification *Classification `json:"classification,omitempty"`
	CreatedAt      time.Time       `json:"created_at"`
}

// Attachment describes a file attached to a message. ContentType is sniffed
// from the content, not taken from the sender's claim. The bytes are kept in
// the database and fetched separately (Store.AttachmentData).
type Attachment struct {
	ID          int64     `json:"id"`
	MessageID   int64     `json:"message_id"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"created_at"`
}

// NewAttachment is an attachment to be stored with a new message.
type NewAttachment struct {
	Filename    string
	ContentType string
	Data        []byte
}

// ActorKind says what kind of party caused a change.
type ActorKind string

// Actor kinds.
const (
	ActorAgent    ActorKind = "agent"
	ActorToken    ActorKind = "token"
	ActorCustomer ActorKind = "customer"
	ActorSystem   ActorKind = "system"
)

// Actor is who caused a change; every audit event names one.
type Actor struct {
	Kind ActorKind `json:"kind"`
	ID   int64     `json:"id"`
	Role AgentRole `json:"role,omitempty"`
}

// AuditEvent records one state change: who, what, when, before and after
// (JSON documents of the entity, or null).
type AuditEvent struct {
	ID         int64           `json:"id"`
	At         time.Time       `json:"at"`
	Actor      Actor           `json:"actor"`
	Action     string          `json:"action"`
	EntityType string          `json:"entity_type"`
	EntityID   int64           `json:"entity_id"`
	Before     json.RawMessage `json:"before"`
	After      json.RawMessage `json:"after"`
}
