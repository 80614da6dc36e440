-- The signed webhook intake: the sources allowed to post (with their
-- shared HMAC secret, which signature checks need in the clear), the
-- nonces each has signed with inside the replay window, and which ticket
-- each delivered message and conversation belongs to.

-- +goose Up
CREATE TABLE webhook_sources (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,
    secret     TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE webhook_nonces (
    source    TEXT NOT NULL,
    nonce     TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    PRIMARY KEY (source, nonce)
);
CREATE INDEX webhook_nonces_signed ON webhook_nonces (signed_at);

CREATE TABLE webhook_messages (
    source          TEXT NOT NULL,
    message_id      TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    ticket_id       INTEGER NOT NULL REFERENCES tickets (id),
    desk_message_id INTEGER NOT NULL REFERENCES messages (id),
    created_at      TEXT NOT NULL,
    PRIMARY KEY (source, message_id)
);

CREATE TABLE webhook_conversations (
    source          TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    ticket_id       INTEGER NOT NULL REFERENCES tickets (id),
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (source, conversation_id)
);

-- +goose Down
DROP TABLE webhook_conversations;
DROP TABLE webhook_messages;
DROP TABLE webhook_nonces;
DROP TABLE webhook_sources;
