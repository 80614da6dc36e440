-- What the policy engine found in each inbound message, and agents'
-- corrections of scope categories (training data for the classifier).

-- +goose Up
ALTER TABLE messages ADD COLUMN classification TEXT;

CREATE TABLE scope_corrections (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id     INTEGER NOT NULL REFERENCES tickets (id),
    from_category TEXT NOT NULL,
    to_category   TEXT NOT NULL,
    actor_kind    TEXT NOT NULL,
    actor_id      INTEGER NOT NULL DEFAULT 0,
    actor_role    TEXT NOT NULL DEFAULT '',
    at            TEXT NOT NULL
);
CREATE INDEX scope_corrections_ticket ON scope_corrections (ticket_id);

-- +goose Down
DROP TABLE scope_corrections;
ALTER TABLE messages DROP COLUMN classification;
