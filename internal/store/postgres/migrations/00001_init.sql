-- destek schema for PostgreSQL. Tables, columns and constraints match the
-- SQLite schema; only types and the full-text search differ.

-- +goose Up
CREATE TABLE queues (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key         text NOT NULL UNIQUE,
    name        text NOT NULL,
    description text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL
);

CREATE TABLE accounts (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL,
    kind       text NOT NULL,
    status     text NOT NULL,
    email      text NOT NULL DEFAULT '',
    phone      text NOT NULL DEFAULT '',
    parent_id  bigint REFERENCES accounts (id),
    search_key text NOT NULL DEFAULT '', -- folded name, e-mail and phone
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX accounts_parent ON accounts (parent_id);

CREATE TABLE authorised_contacts (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id),
    name       text NOT NULL,
    email      text NOT NULL DEFAULT '',
    phone      text NOT NULL DEFAULT '',
    role       text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX authorised_contacts_account ON authorised_contacts (account_id);

CREATE TABLE contacts (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel    text NOT NULL,
    address    text NOT NULL,
    name       text NOT NULL DEFAULT '',
    account_id bigint REFERENCES accounts (id),
    search_key text NOT NULL DEFAULT '', -- folded name and address
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    UNIQUE (channel, address)
);
CREATE INDEX contacts_account ON contacts (account_id);

CREATE TABLE agents (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text NOT NULL UNIQUE,
    name          text NOT NULL,
    role          text NOT NULL,
    active        boolean NOT NULL,
    password_hash text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL,
    role         text NOT NULL,
    hash         bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);

CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expiry);

CREATE TABLE tickets (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject        text NOT NULL,
    status         text NOT NULL,
    priority       text NOT NULL,
    queue          text NOT NULL REFERENCES queues (key),
    scope_category text NOT NULL DEFAULT '',
    assignee_id    bigint REFERENCES agents (id),
    contact_id     bigint NOT NULL REFERENCES contacts (id),
    account_id     bigint REFERENCES accounts (id),
    channel        text NOT NULL,
    policy_version integer NOT NULL,
    merged_into_id bigint REFERENCES tickets (id),
    tags           text NOT NULL DEFAULT '[]', -- JSON array; ticket_tags indexes it
    links          text NOT NULL DEFAULT '[]', -- JSON array of desk.TicketLink
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    closed_at      timestamptz
);
CREATE INDEX tickets_status ON tickets (status, id);
CREATE INDEX tickets_queue ON tickets (queue, id);
CREATE INDEX tickets_assignee ON tickets (assignee_id, id);
CREATE INDEX tickets_contact ON tickets (contact_id, id);
CREATE INDEX tickets_account ON tickets (account_id, id);

CREATE TABLE ticket_tags (
    tag       text NOT NULL,
    ticket_id bigint NOT NULL REFERENCES tickets (id),
    PRIMARY KEY (tag, ticket_id)
);
CREATE INDEX ticket_tags_ticket ON ticket_tags (ticket_id);

CREATE TABLE messages (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id         bigint NOT NULL REFERENCES tickets (id),
    direction         text NOT NULL,
    channel           text NOT NULL,
    author_agent_id   bigint REFERENCES agents (id),
    author_contact_id bigint REFERENCES contacts (id),
    text              text NOT NULL,
    html              text NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL
);
CREATE INDEX messages_ticket ON messages (ticket_id, id);

CREATE TABLE attachments (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id   bigint NOT NULL REFERENCES messages (id),
    filename     text NOT NULL,
    content_type text NOT NULL,
    size         bigint NOT NULL,
    sha256       text NOT NULL,
    data         bytea NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX attachments_message ON attachments (message_id, id);

-- before and after are json, not jsonb: json keeps the document byte for
-- byte as the store wrote it, the same as SQLite does.
CREATE TABLE audit_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL,
    actor_kind  text NOT NULL,
    actor_id    bigint NOT NULL,
    actor_role  text NOT NULL,
    action      text NOT NULL,
    entity_type text NOT NULL,
    entity_id   bigint NOT NULL,
    before      json,
    after       json
);
CREATE INDEX audit_events_entity ON audit_events (entity_type, entity_id, id);
CREATE INDEX audit_events_action ON audit_events (action, id);

-- Search documents. tsv joins the turkish and english vectors of the text as
-- written (stems: siparişlerim → sipariş) with the turkish and simple vectors
-- of the folded text (internal/textfold), so that a query typed without
-- Turkish letters (sifre, istanbul) matches too. The store fills tsv.
CREATE TABLE ticket_search (
    ticket_id bigint PRIMARY KEY REFERENCES tickets (id),
    tsv       tsvector NOT NULL
);
CREATE INDEX ticket_search_tsv ON ticket_search USING gin (tsv);

CREATE TABLE message_search (
    message_id bigint PRIMARY KEY REFERENCES messages (id),
    ticket_id  bigint NOT NULL REFERENCES tickets (id),
    tsv        tsvector NOT NULL
);
CREATE INDEX message_search_tsv ON message_search USING gin (tsv);

INSERT INTO queues (key, name, description, created_at) VALUES
    ('support', 'Destek / Support',
     'Genel destek ve hesap soruları / General support and account questions', now()),
    ('technical', 'Teknik Destek / Technical',
     'Alan adı, DNS, DNSSEC, barındırma, e-posta ve SSL / Domains, DNS, DNSSEC, hosting, mail and SSL', now()),
    ('billing', 'Muhasebe / Billing',
     'Fatura, ödeme ve iade / Invoices, payments and refunds', now()),
    ('legal', 'Hukuk / Legal',
     'Resmî ve hukuki bildirimler / Legal notices and official requests', now()),
    ('abuse', 'Kötüye Kullanım / Abuse',
     'Kötüye kullanım bildirimleri / Abuse reports', now()),
    ('professional_services', 'Profesyonel Hizmetler / Professional Services',
     'Destek kapsamı dışındaki ücretli hizmet talepleri / Paid services for requests outside the support scope', now());

-- +goose Down
DROP TABLE message_search;
DROP TABLE ticket_search;
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
