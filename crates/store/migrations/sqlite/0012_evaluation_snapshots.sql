-- Evaluation snapshots: the engine's columns of an evaluated year (what `evaluate` read from the registry),
-- with the per-area counts and the status-event facts the indicators read, so that reports of that year
-- restore them instead of reading the registry again. A snapshot is derived data, checked against the
-- audit sequence it was taken at (`data_seq`): one per area, year and date, replaced when taken again.
CREATE TABLE evaluation_snapshots (
    id            INTEGER PRIMARY KEY,
    area_code     TEXT NOT NULL,
    year          INTEGER NOT NULL,
    as_of         TEXT NOT NULL,
    data_seq      INTEGER NOT NULL,
    data_time     TEXT NOT NULL,
    format        INTEGER NOT NULL,
    pack_hash     TEXT NOT NULL,
    code_version  TEXT NOT NULL,
    run_id        INTEGER REFERENCES evaluation_runs(id),
    households    INTEGER NOT NULL,
    recorded_at   TEXT NOT NULL,
    engine        BLOB NOT NULL,
    rollups       BLOB NOT NULL,
    facts         BLOB NOT NULL
);
CREATE UNIQUE INDEX evaluation_snapshots_key ON evaluation_snapshots (area_code, year, as_of);
