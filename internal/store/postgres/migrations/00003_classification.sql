-- What the policy engine found in each inbound message, and agents'
-- corrections of scope categories (training data for the classifier).

-- +goose Up
ALTER TABLE messages ADD COLUMN classification json;

CREATE TABLE scope_corrections (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id     bigint NOT NULL REFERENCES tickets (id),
    from_category text NOT NULL,
    to_category   text NOT NULL,
    actor_kind    text NOT NULL,
    actor_id      bigint NOT NULL DEFAULT 0,
    actor_role    text NOT NULL DEFAULT '',
    at            timestamptz NOT NULL
);
CREATE INDEX scope_corrections_ticket ON scope_corrections (ticket_id);

-- +goose Down
DROP TABLE scope_corrections;
ALTER TABLE messages DROP COLUMN classification;
