-- The project library and its funds, project assets and their returns, assistance forces (work teams,
-- cadres sent to other regions, partners and their donations), relocation follow-up (settlements and their
-- residents) and official statistics (SQLite). Released: never edit, add a new migration.
-- Codes are the core crate's stable codes; dates ISO text; timestamps fixed-width UTC text; money in fen.

-- A project keeps what its steps imply (stage, step_count, announced_until, actual_output, owner) beside
-- them, written in the same transaction; steps are recorded by compare-and-set on step_count.
CREATE TABLE projects (
    id                      INTEGER PRIMARY KEY,
    name                    TEXT NOT NULL,
    kind                    TEXT NOT NULL,
    area_code               TEXT NOT NULL,
    year                    INTEGER NOT NULL,
    planned_output          REAL NOT NULL,
    beneficiary_households  INTEGER NOT NULL,
    budget_fen              INTEGER NOT NULL,
    stage                   TEXT NOT NULL,
    step_count              INTEGER NOT NULL,
    announced_until         TEXT,
    actual_output           REAL,
    completed_on            TEXT,
    owner                   TEXT
);
CREATE INDEX projects_area ON projects (area_code, year);

CREATE TABLE project_steps (
    project_id       INTEGER NOT NULL REFERENCES projects(id),
    seq              INTEGER NOT NULL,
    stage            TEXT NOT NULL,
    on_date          TEXT NOT NULL,
    announced_until  TEXT,
    owner            TEXT,
    actual_output    REAL,
    recorded_by      TEXT NOT NULL,
    recorded_at      TEXT NOT NULL,
    note             TEXT NOT NULL,
    PRIMARY KEY (project_id, seq)
) WITHOUT ROWID;

-- Registered households that benefit (带贫).
CREATE TABLE project_beneficiaries (
    project_id    INTEGER NOT NULL REFERENCES projects(id),
    household_id  INTEGER NOT NULL REFERENCES households(id),
    PRIMARY KEY (project_id, household_id)
) WITHOUT ROWID;
CREATE INDEX project_beneficiaries_household ON project_beneficiaries (household_id);

CREATE TABLE fund_allocations (
    id            INTEGER PRIMARY KEY,
    project_id    INTEGER NOT NULL REFERENCES projects(id),
    source        TEXT NOT NULL,
    year          INTEGER NOT NULL,
    amount_fen    INTEGER NOT NULL,
    recorded_at   TEXT NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE INDEX fund_allocations_project ON fund_allocations (project_id);

CREATE TABLE fund_spending (
    id            INTEGER PRIMARY KEY,
    project_id    INTEGER NOT NULL REFERENCES projects(id),
    source        TEXT NOT NULL,
    spent_on      TEXT NOT NULL,
    amount_fen    INTEGER NOT NULL,
    recorded_at   TEXT NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE INDEX fund_spending_project ON fund_spending (project_id, spent_on);

CREATE TABLE project_assets (
    id            INTEGER PRIMARY KEY,
    project_id    INTEGER NOT NULL REFERENCES projects(id),
    name          TEXT NOT NULL,
    owner         TEXT NOT NULL,
    value_fen     INTEGER NOT NULL,
    handed_over   TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE INDEX project_assets_project ON project_assets (project_id);

CREATE TABLE asset_returns (
    asset_id          INTEGER NOT NULL REFERENCES project_assets(id),
    year              INTEGER NOT NULL,
    households_fen    INTEGER NOT NULL,
    collective_fen    INTEGER NOT NULL,
    recorded_at       TEXT NOT NULL,
    recorded_by       TEXT NOT NULL,
    PRIMARY KEY (asset_id, year)
) WITHOUT ROWID;

CREATE TABLE work_teams (
    id            INTEGER PRIMARY KEY,
    village_code  TEXT NOT NULL,
    unit          TEXT NOT NULL,
    from_date     TEXT NOT NULL,
    to_date       TEXT,
    recorded_at   TEXT NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE INDEX work_teams_village ON work_teams (village_code);

CREATE TABLE work_team_members (
    team_id   INTEGER NOT NULL REFERENCES work_teams(id),
    cadre_id  INTEGER NOT NULL REFERENCES cadres(id),
    role      TEXT NOT NULL,
    PRIMARY KEY (team_id, cadre_id)
) WITHOUT ROWID;

CREATE TABLE cadre_secondments (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    unit          TEXT NOT NULL,
    home_area     TEXT NOT NULL,
    destination   TEXT NOT NULL,
    place         TEXT NOT NULL,
    from_date     TEXT NOT NULL,
    to_date       TEXT,
    recorded_at   TEXT NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE INDEX cadre_secondments_area ON cadre_secondments (home_area);

CREATE TABLE partners (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    area_code  TEXT NOT NULL
);
CREATE INDEX partners_area ON partners (area_code);

CREATE TABLE donations (
    id            INTEGER PRIMARY KEY,
    partner_id    INTEGER NOT NULL REFERENCES partners(id),
    donated_on    TEXT NOT NULL,
    amount_fen    INTEGER NOT NULL,
    poverty_day   INTEGER NOT NULL,
    area_code     TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE INDEX donations_area ON donations (area_code, donated_on);

CREATE TABLE settlements (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    village_code  TEXT NOT NULL,
    capacity      INTEGER NOT NULL,
    built         INTEGER NOT NULL,
    services      TEXT NOT NULL
);
CREATE INDEX settlements_village ON settlements (village_code);

CREATE TABLE settlement_residents (
    settlement_id  INTEGER NOT NULL REFERENCES settlements(id),
    household_id   INTEGER NOT NULL REFERENCES households(id),
    moved_in       TEXT NOT NULL,
    PRIMARY KEY (settlement_id, household_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX settlement_residents_household ON settlement_residents (household_id);

-- Kept beside the registry, never mixed with its figures. A re-import of the same figure replaces it
-- (the audit log keeps the old value).
CREATE TABLE official_statistics (
    area_code    TEXT NOT NULL,
    indicator    TEXT NOT NULL,
    year         INTEGER NOT NULL,
    label        TEXT NOT NULL,
    value        REAL NOT NULL,
    unit         TEXT NOT NULL,
    source       TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    PRIMARY KEY (area_code, indicator, year)
) WITHOUT ROWID;
