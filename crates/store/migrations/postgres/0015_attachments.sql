-- Attachments of a household or one of its monitoring cases (PostgreSQL): the signed 授权承诺书, visit photos,
-- notice photos. Released: never edit, add a new migration.
-- A row is never changed: removing an attachment adds its removal (attachment_removals) and keeps the file.
-- media_type is the format recognised from the content (core::attachment::MediaType code); content is NULL
-- when the server keeps files in a folder (--attachments-dir), named by sha256 there.
CREATE TABLE attachments (
    id            BIGSERIAL PRIMARY KEY,
    household_id  BIGINT NOT NULL REFERENCES households(id),
    case_id       TEXT COLLATE "C" REFERENCES monitoring_cases(id),
    kind          TEXT COLLATE "C" NOT NULL,
    file_name     TEXT NOT NULL,
    media_type    TEXT COLLATE "C" NOT NULL,
    byte_size     BIGINT NOT NULL,
    sha256        TEXT COLLATE "C" NOT NULL,
    has_gps       BOOLEAN NOT NULL,
    note          TEXT NOT NULL,
    content       BYTEA,
    uploaded_at   TIMESTAMPTZ NOT NULL,
    uploaded_by   TEXT NOT NULL
);
CREATE INDEX attachments_household ON attachments (household_id, id);
CREATE INDEX attachments_case ON attachments (case_id) WHERE case_id IS NOT NULL;
CREATE TABLE attachment_removals (
    attachment_id BIGINT PRIMARY KEY REFERENCES attachments(id),
    removed_at    TIMESTAMPTZ NOT NULL,
    removed_by    TEXT NOT NULL,
    reason        TEXT NOT NULL
);
