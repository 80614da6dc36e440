-- destek schema for SQLite.
--
-- Times are TEXT in UTC with a fixed six-digit fraction
-- (2006-01-02T15:04:05.000000Z) so that text order is time order. Ids use
-- AUTOINCREMENT so that an id is never reused after retention deletes a row:
-- audit events keep pointing at what they described.

-- +goose Up
CREATE TABLE queues (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    key         TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);

CREATE TABLE accounts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    status     TEXT NOT NULL,
    email      TEXT NOT NULL DEFAULT '',
    phone      TEXT NOT NULL DEFAULT '',
    parent_id  INTEGER REFERENCES accounts (id),
    search_key TEXT NOT NULL DEFAULT '', -- folded name, e-mail and phone
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX accounts_parent ON accounts (parent_id);

CREATE TABLE authorised_contacts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    name       TEXT NOT NULL,
    email      TEXT NOT NULL DEFAULT '',
    phone      TEXT NOT NULL DEFAULT '',
    role       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX authorised_contacts_account ON authorised_contacts (account_id);

CREATE TABLE contacts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    channel    TEXT NOT NULL,
    address    TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    account_id INTEGER REFERENCES accounts (id),
    search_key TEXT NOT NULL DEFAULT '', -- folded name and address
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (channel, address)
);
CREATE INDEX contacts_account ON contacts (account_id);

CREATE TABLE agents (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    active        INTEGER NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    hash         BLOB NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);

CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BLOB NOT NULL,
    expiry TEXT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expiry);

CREATE TABLE tickets (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    subject        TEXT NOT NULL,
    status         TEXT NOT NULL,
    priority       TEXT NOT NULL,
    queue          TEXT NOT NULL REFERENCES queues (key),
    scope_category TEXT NOT NULL DEFAULT '',
    assignee_id    INTEGER REFERENCES agents (id),
    contact_id     INTEGER NOT NULL REFERENCES contacts (id),
    account_id     INTEGER REFERENCES accounts (id),
    channel        TEXT NOT NULL,
    policy_version INTEGER NOT NULL,
    merged_into_id INTEGER REFERENCES tickets (id),
    tags           TEXT NOT NULL DEFAULT '[]', -- JSON array; ticket_tags indexes it
    links          TEXT NOT NULL DEFAULT '[]', -- JSON array of desk.TicketLink
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    closed_at      TEXT
);
CREATE INDEX tickets_status ON tickets (status, id);
CREATE INDEX tickets_queue ON tickets (queue, id);
CREATE INDEX tickets_assignee ON tickets (assignee_id, id);
CREATE INDEX tickets_contact ON tickets (contact_id, id);
CREATE INDEX tickets_account ON tickets (account_id, id);

CREATE TABLE ticket_tags (
    tag       TEXT NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    PRIMARY KEY (tag, ticket_id)
) WITHOUT ROWID;
CREATE INDEX ticket_tags_ticket ON ticket_tags (ticket_id);

CREATE TABLE messages (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id         INTEGER NOT NULL REFERENCES tickets (id),
    direction         TEXT NOT NULL,
    channel           TEXT NOT NULL,
    author_agent_id   INTEGER REFERENCES agents (id),
    author_contact_id INTEGER REFERENCES contacts (id),
    text              TEXT NOT NULL,
    html              TEXT NOT NULL DEFAULT '',
    created_at        TEXT NOT NULL
);
CREATE INDEX messages_ticket ON messages (ticket_id, id);

CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id   INTEGER NOT NULL REFERENCES messages (id),
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    data         BLOB NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX attachments_message ON attachments (message_id, id);

CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_id    INTEGER NOT NULL,
    actor_role  TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   INTEGER NOT NULL,
    before      TEXT,
    after       TEXT
);
CREATE INDEX audit_events_entity ON audit_events (entity_type, entity_id, id);
CREATE INDEX audit_events_action ON audit_events (action, id);

-- Full-text indexes hold the folded text (internal/textfold) only: the
-- originals stay in tickets and messages, so the tables are contentless.
-- rowid is the ticket id and the message id.
CREATE VIRTUAL TABLE ticket_fts USING fts5 (
    subject, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE message_fts USING fts5 (
    text, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO queues (key, name, description, created_at) VALUES
    ('support', 'Destek / Support',
     'Genel destek ve hesap soruları / General support and account questions',
     strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    ('technical', 'Teknik Destek / Technical',
     'Alan adı, DNS, DNSSEC, barındırma, e-posta ve SSL / Domains, DNS, DNSSEC, hosting, mail and SSL',
     strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    ('billing', 'Muhasebe / Billing',
     'Fatura, ödeme ve iade / Invoices, payments and refunds',
     strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    ('legal', 'Hukuk / Legal',
     'Resmî ve hukuki bildirimler / Legal notices and official requests',
     strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    ('abuse', 'Kötüye Kullanım / Abuse',
     'Kötüye kullanım bildirimleri / Abuse reports',
     strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')),
    ('professional_services', 'Profesyonel Hizmetler / Professional Services',
     'Destek kapsamı dışındaki ücretli hizmet talepleri / Paid services for requests outside the support scope',
     strftime('%Y-%m-%dT%H:%M:%f000Z', 'now'));

-- +goose Down
DROP TABLE message_fts;
DROP TABLE ticket_fts;
DROP TABLE audit_events;
DROP TABLE attachments;
DROP TABLE messages;
DROP TABLE ticket_tags;
DROP TABLE tickets;
DROP TABLE sessions;
DROP TABLE api_tokens;
DROP TABLE agents;
DROP TABLE contacts;
DROP TABLE authorised_contacts;
DROP TABLE accounts;
DROP TABLE queues;
