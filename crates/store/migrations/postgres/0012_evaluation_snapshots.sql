-- Evaluation snapshots: the engine's columns of an evaluated year (what `evaluate` read from the registry),
-- with the per-area counts and the status-event facts the indicators read, so that reports of that year
-- restore them instead of reading the registry again. A snapshot is derived data, checked against the
-- audit sequence it was taken at (`data_seq`): one per area, year and date, replaced when taken again.
CREATE TABLE evaluation_snapshots (
    id            BIGSERIAL PRIMARY KEY,
    area_code     TEXT COLLATE "C" NOT NULL,
    year          BIGINT NOT NULL,
    as_of         DATE NOT NULL,
    data_seq      BIGINT NOT NULL,
    data_time     TIMESTAMPTZ NOT NULL,
    format        BIGINT NOT NULL,
    pack_hash     TEXT NOT NULL,
    code_version  TEXT NOT NULL,
    run_id        BIGINT REFERENCES evaluation_runs(id),
    households    BIGINT NOT NULL,
    recorded_at   TIMESTAMPTZ NOT NULL,
    engine        BYTEA NOT NULL,
    rollups       BYTEA NOT NULL,
    facts         BYTEA NOT NULL
);
-- The blobs are compressed already: store them out of line without PostgreSQL compressing them again.
ALTER TABLE evaluation_snapshots ALTER COLUMN engine SET STORAGE EXTERNAL;
ALTER TABLE evaluation_snapshots ALTER COLUMN rollups SET STORAGE EXTERNAL;
ALTER TABLE evaluation_snapshots ALTER COLUMN facts SET STORAGE EXTERNAL;
CREATE UNIQUE INDEX evaluation_snapshots_key ON evaluation_snapshots (area_code, year, as_of);
