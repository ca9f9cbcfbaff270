-- The monitoring mechanism (SQLite): cases of the monitoring workflow with their steps, assistance measures,
-- visits, assisting cadres and their pairing with households. Released: never edit, add a new migration.
-- Codes are the core crate's stable codes; sets of codes are joined with ','. Dates are ISO text,
-- timestamps fixed-width UTC text (see the crate docs).

-- A case, with what its steps imply kept beside them (state, next_step, closed_at, last_step_at,
-- step_count) so that inboxes and counts need no fold. id is '{household_id}-{case_no}'.
-- A rowid table (not WITHOUT ROWID): its secondary indexes then point at an integer rowid, which made area
-- counts three times faster than going through the text key.
CREATE TABLE monitoring_cases (
    id               TEXT PRIMARY KEY,
    household_id     INTEGER NOT NULL REFERENCES households(id),
    case_no          INTEGER NOT NULL,
    village_code     TEXT NOT NULL,
    kind             TEXT NOT NULL,
    channel          TEXT NOT NULL,
    monitoring_kind  TEXT,
    risk_types       TEXT NOT NULL,
    opened_at        TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('open', 'decided', 'rejected')),
    next_step        TEXT,
    closed_at        TEXT,
    last_step_at     TEXT NOT NULL,
    step_count       INTEGER NOT NULL,
    UNIQUE (household_id, case_no)
);
-- At most one open case per household, whoever writes.
CREATE UNIQUE INDEX monitoring_cases_one_open ON monitoring_cases (household_id) WHERE state = 'open';
CREATE INDEX monitoring_cases_village ON monitoring_cases (village_code, opened_at);
-- Inboxes: the open cases of an area, oldest first.
CREATE INDEX monitoring_cases_open_village ON monitoring_cases (village_code, opened_at) WHERE state = 'open';

CREATE TABLE case_steps (
    case_id      TEXT NOT NULL REFERENCES monitoring_cases(id),
    seq          INTEGER NOT NULL,
    step         TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    note         TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
) WITHOUT ROWID;

-- id is chosen by the writer (bulk loads reference cadres from the rows loaded with them; see next_cadre_id).
CREATE TABLE cadres (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    phone      TEXT,
    unit       TEXT NOT NULL,
    post       TEXT NOT NULL,
    area_code  TEXT NOT NULL
);
CREATE INDEX cadres_area ON cadres (area_code);

CREATE TABLE cadre_assignments (
    cadre_id      INTEGER NOT NULL REFERENCES cadres(id),
    household_id  INTEGER NOT NULL REFERENCES households(id),
    from_date     TEXT NOT NULL,
    to_date       TEXT,
    recorded_at   TEXT NOT NULL,
    recorded_by   TEXT NOT NULL,
    PRIMARY KEY (household_id, cadre_id, from_date)
) WITHOUT ROWID;
CREATE INDEX cadre_assignments_cadre ON cadre_assignments (cadre_id);

-- amount_fen: money in fen.
CREATE TABLE assistance_measures (
    id            INTEGER PRIMARY KEY,
    household_id  INTEGER NOT NULL REFERENCES households(id),
    kind          TEXT NOT NULL,
    description   TEXT NOT NULL,
    started       TEXT NOT NULL,
    ended         TEXT,
    amount_fen    INTEGER,
    case_id       TEXT REFERENCES monitoring_cases(id),
    cadre_id      INTEGER REFERENCES cadres(id),
    recorded_at   TEXT NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE INDEX assistance_measures_household ON assistance_measures (household_id);

CREATE TABLE visits (
    id            INTEGER PRIMARY KEY,
    household_id  INTEGER NOT NULL REFERENCES households(id),
    cadre_id      INTEGER REFERENCES cadres(id),
    visited_on    TEXT NOT NULL,
    purpose       TEXT NOT NULL,
    findings      TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE INDEX visits_household ON visits (household_id, visited_on);
