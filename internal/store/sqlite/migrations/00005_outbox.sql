-- Outgoing e-mail (the outbox) and how far IMAP polling has read each
-- mailbox. A mail is queued in the transaction of the message it carries;
-- workers lease due mails (locked_by, locked_until), send them and mark
-- them sent, or queue them again with a later next_attempt_at.

-- +goose Up
CREATE TABLE outbox (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id         INTEGER NOT NULL REFERENCES tickets (id),
    message_id        INTEGER REFERENCES messages (id),
    kind              TEXT NOT NULL,
    mail_from         TEXT NOT NULL,
    mail_to           TEXT NOT NULL,              -- JSON array of addresses
    mail_cc           TEXT NOT NULL DEFAULT '[]', -- JSON array of addresses
    subject           TEXT NOT NULL,
    body_text         TEXT NOT NULL,
    body_html         TEXT NOT NULL DEFAULT '',
    headers           TEXT NOT NULL,              -- JSON object: Message-ID, In-Reply-To, References …
    header_message_id TEXT NOT NULL UNIQUE,       -- headers' Message-ID, for threading replies
    state             TEXT NOT NULL,
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   TEXT NOT NULL,
    last_error        TEXT NOT NULL DEFAULT '',
    locked_by         TEXT,
    locked_until      TEXT,
    created_at        TEXT NOT NULL,
    sent_at           TEXT
);
CREATE INDEX outbox_queued ON outbox (next_attempt_at) WHERE state = 'queued';
CREATE INDEX outbox_sending ON outbox (locked_until) WHERE state = 'sending';
CREATE INDEX outbox_ticket ON outbox (ticket_id);
CREATE INDEX outbox_message ON outbox (message_id);

CREATE TABLE imap_positions (
    mailbox      TEXT PRIMARY KEY,
    uid_validity INTEGER NOT NULL,
    last_uid     INTEGER NOT NULL,
    updated_at   TEXT NOT NULL
);

-- +goose Down
DROP TABLE imap_positions;
DROP TABLE outbox;
