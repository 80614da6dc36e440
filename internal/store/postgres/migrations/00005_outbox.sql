-- Outgoing e-mail (the outbox) and how far IMAP polling has read each
-- mailbox. A mail is queued in the transaction of the message it carries;
-- workers lease due mails (locked_by, locked_until) with FOR UPDATE SKIP
-- LOCKED, send them and mark them sent, or queue them again with a later
-- next_attempt_at.

-- +goose Up
CREATE TABLE outbox (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id         bigint NOT NULL REFERENCES tickets (id),
    message_id        bigint REFERENCES messages (id),
    kind              text NOT NULL,
    mail_from         text NOT NULL,
    mail_to           json NOT NULL,
    mail_cc           json NOT NULL DEFAULT '[]',
    subject           text NOT NULL,
    body_text         text NOT NULL,
    body_html         text NOT NULL DEFAULT '',
    headers           json NOT NULL,
    header_message_id text NOT NULL UNIQUE,
    state             text NOT NULL,
    attempts          integer NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz NOT NULL,
    last_error        text NOT NULL DEFAULT '',
    locked_by         text,
    locked_until      timestamptz,
    created_at        timestamptz NOT NULL,
    sent_at           timestamptz
);
CREATE INDEX outbox_queued ON outbox (next_attempt_at) WHERE state = 'queued';
CREATE INDEX outbox_sending ON outbox (locked_until) WHERE state = 'sending';
CREATE INDEX outbox_ticket ON outbox (ticket_id);
CREATE INDEX outbox_message ON outbox (message_id);

CREATE TABLE imap_positions (
    mailbox      text PRIMARY KEY,
    uid_validity bigint NOT NULL,
    last_uid     bigint NOT NULL,
    updated_at   timestamptz NOT NULL
);

-- +goose Down
DROP TABLE imap_positions;
DROP TABLE outbox;
