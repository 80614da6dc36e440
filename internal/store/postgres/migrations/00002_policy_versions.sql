-- Published versions of the support interaction policy (article 10). A
-- version is never edited after publication, only superseded: a trigger
-- refuses UPDATE and DELETE.

-- +goose Up
CREATE TABLE policy_versions (
    version      integer PRIMARY KEY,
    published_at timestamptz NOT NULL,
    actor_kind   text NOT NULL,
    actor_id     bigint NOT NULL DEFAULT 0,
    actor_role   text NOT NULL DEFAULT '',
    source       text NOT NULL,
    sha256       text NOT NULL
);
CREATE INDEX policy_versions_published_at ON policy_versions (published_at);

-- +goose StatementBegin
CREATE FUNCTION policy_versions_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'a published policy version cannot be changed or deleted';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER policy_versions_immutable BEFORE UPDATE OR DELETE ON policy_versions
    FOR EACH ROW EXECUTE FUNCTION policy_versions_immutable();

-- +goose Down
DROP TABLE policy_versions;
DROP FUNCTION policy_versions_immutable();
