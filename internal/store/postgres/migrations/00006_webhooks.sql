-- The signed webhook intake: the sources allowed to post (with their
-- shared HMAC secret, which signature checks need in the clear), the
-- nonces each has signed with inside the replay window, and which ticket
-- each delivered message and conversation belongs to.

-- +goose Up
CREATE TABLE webhook_sources (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    secret     text NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE webhook_nonces (
    source    text NOT NULL,
    nonce     text NOT NULL,
    signed_at timestamptz NOT NULL,
    PRIMARY KEY (source, nonce)
);
CREATE INDEX webhook_nonces_signed ON webhook_nonces (signed_at);

CREATE TABLE webhook_messages (
    source          text NOT NULL,
    message_id      text NOT NULL,
    conversation_id text NOT NULL,
    ticket_id       bigint NOT NULL REFERENCES tickets (id),
    desk_message_id bigint NOT NULL REFERENCES messages (id),
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (source, message_id)
);

CREATE TABLE webhook_conversations (
    source          text NOT NULL,
    conversation_id text NOT NULL,
    ticket_id       bigint NOT NULL REFERENCES tickets (id),
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (source, conversation_id)
);

-- +goose Down
DROP TABLE webhook_conversations;
DROP TABLE webhook_messages;
DROP TABLE webhook_nonces;
DROP TABLE webhook_sources;
