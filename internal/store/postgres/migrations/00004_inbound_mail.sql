-- Inbound e-mail: every message received over SMTP is stored raw, in one
-- transaction, before the sending server is told 250; processing then turns
-- it into a ticket message exactly once. Message-IDs map to tickets so that
-- replies thread, and settings hold values every node must share (the
-- secret of reply addresses).

-- +goose Up
CREATE TABLE inbound_mail (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id      text NOT NULL DEFAULT '',  -- Message-ID header, no angle brackets
    sha256          text NOT NULL,             -- hex SHA-256 of raw
    dedupe_key      text NOT NULL UNIQUE,      -- hash of Message-ID, content and recipients
    size            bigint NOT NULL,
    envelope_from   text NOT NULL DEFAULT '',
    envelope_to     json NOT NULL,             -- array of addresses
    received_at     timestamptz NOT NULL,
    state           text NOT NULL,             -- stored, processed, ignored, failed
    error           text NOT NULL DEFAULT '',
    attempts        integer NOT NULL DEFAULT 0,
    ticket_id       bigint REFERENCES tickets (id),
    desk_message_id bigint REFERENCES messages (id),
    processed_at    timestamptz,
    raw             bytea NOT NULL
);
CREATE INDEX inbound_mail_pending ON inbound_mail (id) WHERE state = 'stored';
CREATE INDEX inbound_mail_state ON inbound_mail (state, id);
CREATE INDEX inbound_mail_ticket ON inbound_mail (ticket_id);
CREATE INDEX inbound_mail_message_id ON inbound_mail (message_id);

CREATE TABLE mail_threads (
    message_id text PRIMARY KEY,    -- Message-ID header, no angle brackets
    ticket_id  bigint NOT NULL REFERENCES tickets (id),
    outbound   boolean NOT NULL,    -- destek generated it
    created_at timestamptz NOT NULL
);
CREATE INDEX mail_threads_ticket ON mail_threads (ticket_id);

CREATE TABLE settings (
    key        text PRIMARY KEY,
    value      bytea NOT NULL,
    created_at timestamptz NOT NULL
);

-- Mail from a known address links its contact to the account.
CREATE INDEX accounts_email ON accounts (email) WHERE email <> '';
CREATE INDEX authorised_contacts_email ON authorised_contacts (email) WHERE email <> '';

-- +goose Down
DROP INDEX authorised_contacts_email;
DROP INDEX accounts_email;
DROP TABLE settings;
DROP TABLE mail_threads;
DROP TABLE inbound_mail;
