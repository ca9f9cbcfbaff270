-- The monitoring mechanism (PostgreSQL): cases of the monitoring workflow with their steps, assistance measures,
-- visits, assisting cadres and their pairing with households. Released: never edit, add a new migration.
-- Codes are the core crate's stable codes (COLLATE "C"); sets of codes are joined with ','. Dates are DATE,
-- timestamps TIMESTAMPTZ, integers BIGINT.

-- A case, with what its steps imply kept beside them (state, next_step, closed_at, last_step_at,
-- step_count) so that inboxes and counts need no fold. id is '{household_id}-{case_no}'.
CREATE TABLE monitoring_cases (
    id               TEXT COLLATE "C" PRIMARY KEY,
    household_id     BIGINT NOT NULL REFERENCES households(id),
    case_no          BIGINT NOT NULL,
    village_code     TEXT COLLATE "C" NOT NULL,
    kind             TEXT COLLATE "C" NOT NULL,
    channel          TEXT COLLATE "C" NOT NULL,
    monitoring_kind  TEXT COLLATE "C",
    risk_types       TEXT NOT NULL,
    opened_at        TIMESTAMPTZ NOT NULL,
    state            TEXT COLLATE "C" NOT NULL CHECK (state IN ('open', 'decided', 'rejected')),
    next_step        TEXT COLLATE "C",
    closed_at        TIMESTAMPTZ,
    last_step_at     TIMESTAMPTZ NOT NULL,
    step_count       BIGINT NOT NULL,
    UNIQUE (household_id, case_no)
);
-- At most one open case per household, whoever writes.
CREATE UNIQUE INDEX monitoring_cases_one_open ON monitoring_cases (household_id) WHERE state = 'open';
CREATE INDEX monitoring_cases_village ON monitoring_cases (village_code, opened_at);
-- Inboxes: the open cases of an area, oldest first.
CREATE INDEX monitoring_cases_open_village ON monitoring_cases (village_code, opened_at) WHERE state = 'open';

CREATE TABLE case_steps (
    case_id      TEXT COLLATE "C" NOT NULL REFERENCES monitoring_cases(id),
    seq          BIGINT NOT NULL,
    step         TEXT COLLATE "C" NOT NULL,
    outcome      TEXT COLLATE "C" NOT NULL,
    recorded_by  TEXT NOT NULL,
    recorded_at  TIMESTAMPTZ NOT NULL,
    note         TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
);

-- id is chosen by the writer (bulk loads reference cadres from the rows loaded with them; see next_cadre_id).
CREATE TABLE cadres (
    id         BIGINT PRIMARY KEY,
    name       TEXT NOT NULL,
    phone      TEXT,
    unit       TEXT NOT NULL,
    post       TEXT COLLATE "C" NOT NULL,
    area_code  TEXT COLLATE "C" NOT NULL
);
CREATE INDEX cadres_area ON cadres (area_code);

CREATE TABLE cadre_assignments (
    cadre_id      BIGINT NOT NULL REFERENCES cadres(id),
    household_id  BIGINT NOT NULL REFERENCES households(id),
    from_date     DATE NOT NULL,
    to_date       DATE,
    recorded_at   TIMESTAMPTZ NOT NULL,
    recorded_by   TEXT NOT NULL,
    PRIMARY KEY (household_id, cadre_id, from_date)
);
CREATE INDEX cadre_assignments_cadre ON cadre_assignments (cadre_id);

-- amount_fen: money in fen.
CREATE TABLE assistance_measures (
    id            BIGSERIAL PRIMARY KEY,
    household_id  BIGINT NOT NULL REFERENCES households(id),
    kind          TEXT COLLATE "C" NOT NULL,
    description   TEXT NOT NULL,
    started       DATE NOT NULL,
    ended         DATE,
    amount_fen    BIGINT,
    case_id       TEXT COLLATE "C" REFERENCES monitoring_cases(id),
    cadre_id      BIGINT REFERENCES cadres(id),
    recorded_at   TIMESTAMPTZ NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE INDEX assistance_measures_household ON assistance_measures (household_id);

CREATE TABLE visits (
    id            BIGSERIAL PRIMARY KEY,
    household_id  BIGINT NOT NULL REFERENCES households(id),
    cadre_id      BIGINT REFERENCES cadres(id),
    visited_on    DATE NOT NULL,
    purpose       TEXT COLLATE "C" NOT NULL,
    findings      TEXT NOT NULL,
    recorded_at   TIMESTAMPTZ NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE INDEX visits_household ON visits (household_id, visited_on);
