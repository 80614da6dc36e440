-- Inbound e-mail: every message received over SMTP is stored raw, in one
-- transaction, before the sending server is told 250; processing then turns
-- it into a ticket message exactly once. Message-IDs map to tickets so that
-- replies thread, and settings hold values every node must share (the
-- secret of reply addresses).

-- +goose Up
CREATE TABLE inbound_mail (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id      TEXT NOT NULL DEFAULT '',  -- Message-ID header, no angle brackets
    sha256          TEXT NOT NULL,             -- hex SHA-256 of raw
    dedupe_key      TEXT NOT NULL UNIQUE,      -- hash of Message-ID, content and recipients
    size            INTEGER NOT NULL,
    envelope_from   TEXT NOT NULL DEFAULT '',
    envelope_to     TEXT NOT NULL,             -- JSON array of addresses
    received_at     TEXT NOT NULL,
    state           TEXT NOT NULL,             -- stored, processed, ignored, failed
    error           TEXT NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    ticket_id       INTEGER REFERENCES tickets (id),
    desk_message_id INTEGER REFERENCES messages (id),
    processed_at    TEXT,
    raw             BLOB NOT NULL              -- last, so reading the other columns skips it
);
CREATE INDEX inbound_mail_pending ON inbound_mail (id) WHERE state = 'stored';
CREATE INDEX inbound_mail_state ON inbound_mail (state, id);
CREATE INDEX inbound_mail_ticket ON inbound_mail (ticket_id);
CREATE INDEX inbound_mail_message_id ON inbound_mail (message_id);

CREATE TABLE mail_threads (
    message_id TEXT PRIMARY KEY,    -- Message-ID header, no angle brackets
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
    outbound   INTEGER NOT NULL,    -- 1: destek generated it
    created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX mail_threads_ticket ON mail_threads (ticket_id);

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      BLOB NOT NULL,
    created_at TEXT NOT NULL
) WITHOUT ROWID;

-- Mail from a known address links its contact to the account.
CREATE INDEX accounts_email ON accounts (email) WHERE email <> '';
CREATE INDEX authorised_contacts_email ON authorised_contacts (email) WHERE email <> '';

-- +goose Down
DROP INDEX authorised_contacts_email;
DROP INDEX accounts_email;
DROP TABLE settings;
DROP TABLE mail_threads;
DROP TABLE inbound_mail;
