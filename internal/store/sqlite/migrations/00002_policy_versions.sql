-- Published versions of the support interaction policy (article 10). A
-- version is never edited after publication, only superseded: triggers
-- refuse UPDATE and DELETE.

-- +goose Up
CREATE TABLE policy_versions (
    version      INTEGER PRIMARY KEY,
    published_at TEXT NOT NULL,
    actor_kind   TEXT NOT NULL,
    actor_id     INTEGER NOT NULL DEFAULT 0,
    actor_role   TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL,
    sha256       TEXT NOT NULL
);
CREATE INDEX policy_versions_published_at ON policy_versions (published_at);

-- +goose StatementBegin
CREATE TRIGGER policy_versions_immutable_update BEFORE UPDATE ON policy_versions
BEGIN
    SELECT RAISE(ABORT, 'a published policy version cannot be changed');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER policy_versions_immutable_delete BEFORE DELETE ON policy_versions
BEGIN
    SELECT RAISE(ABORT, 'a published policy version cannot be deleted');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE policy_versions;
