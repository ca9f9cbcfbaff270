-- The project library and its funds, project assets and their returns, assistance forces (work teams,
-- cadres sent to other regions, partners and their donations), relocation follow-up (settlements and their
-- residents) and official statistics (PostgreSQL). Released: never edit, add a new migration.
-- Codes are the core crate's stable codes; dates DATE; timestamps TIMESTAMPTZ; integers BIGINT; money in fen.

-- A project keeps what its steps imply (stage, step_count, announced_until, actual_output, owner) beside
-- them, written in the same transaction; steps are recorded by compare-and-set on step_count.
CREATE TABLE projects (
    id                      BIGINT PRIMARY KEY,
    name                    TEXT NOT NULL,
    kind                    TEXT COLLATE "C" NOT NULL,
    area_code               TEXT COLLATE "C" NOT NULL,
    year                    BIGINT NOT NULL,
    planned_output          DOUBLE PRECISION NOT NULL,
    beneficiary_households  BIGINT NOT NULL,
    budget_fen              BIGINT NOT NULL,
    stage                   TEXT COLLATE "C" NOT NULL,
    step_count              BIGINT NOT NULL,
    announced_until         DATE,
    actual_output           DOUBLE PRECISION,
    completed_on            DATE,
    owner                   TEXT COLLATE "C"
);
CREATE INDEX projects_area ON projects (area_code, year);

CREATE TABLE project_steps (
    project_id       BIGINT NOT NULL REFERENCES projects(id),
    seq              BIGINT NOT NULL,
    stage            TEXT COLLATE "C" NOT NULL,
    on_date          DATE NOT NULL,
    announced_until  DATE,
    owner            TEXT COLLATE "C",
    actual_output    DOUBLE PRECISION,
    recorded_by      TEXT NOT NULL,
    recorded_at      TIMESTAMPTZ NOT NULL,
    note             TEXT NOT NULL,
    PRIMARY KEY (project_id, seq)
);

-- Registered households that benefit (带贫).
CREATE TABLE project_beneficiaries (
    project_id    BIGINT NOT NULL REFERENCES projects(id),
    household_id  BIGINT NOT NULL REFERENCES households(id),
    PRIMARY KEY (project_id, household_id)
);
CREATE INDEX project_beneficiaries_household ON project_beneficiaries (household_id);

CREATE TABLE fund_allocations (
    id            BIGSERIAL PRIMARY KEY,
    project_id    BIGINT NOT NULL REFERENCES projects(id),
    source        TEXT COLLATE "C" NOT NULL,
    year          BIGINT NOT NULL,
    amount_fen    BIGINT NOT NULL,
    recorded_at   TIMESTAMPTZ NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE INDEX fund_allocations_project ON fund_allocations (project_id);

CREATE TABLE fund_spending (
    id            BIGSERIAL PRIMARY KEY,
    project_id    BIGINT NOT NULL REFERENCES projects(id),
    source        TEXT COLLATE "C" NOT NULL,
    spent_on      DATE NOT NULL,
    amount_fen    BIGINT NOT NULL,
    recorded_at   TIMESTAMPTZ NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE INDEX fund_spending_project ON fund_spending (project_id, spent_on);

CREATE TABLE project_assets (
    id            BIGINT PRIMARY KEY,
    project_id    BIGINT NOT NULL REFERENCES projects(id),
    name          TEXT NOT NULL,
    owner         TEXT COLLATE "C" NOT NULL,
    value_fen     BIGINT NOT NULL,
    handed_over   DATE NOT NULL,
    recorded_at   TIMESTAMPTZ NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE INDEX project_assets_project ON project_assets (project_id);

CREATE TABLE asset_returns (
    asset_id          BIGINT NOT NULL REFERENCES project_assets(id),
    year              BIGINT NOT NULL,
    households_fen    BIGINT NOT NULL,
    collective_fen    BIGINT NOT NULL,
    recorded_at       TIMESTAMPTZ NOT NULL,
    recorded_by       TEXT NOT NULL,
    PRIMARY KEY (asset_id, year)
);

CREATE TABLE work_teams (
    id            BIGINT PRIMARY KEY,
    village_code  TEXT COLLATE "C" NOT NULL,
    unit          TEXT NOT NULL,
    from_date     DATE NOT NULL,
    to_date       DATE,
    recorded_at   TIMESTAMPTZ NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE INDEX work_teams_village ON work_teams (village_code);

CREATE TABLE work_team_members (
    team_id   BIGINT NOT NULL REFERENCES work_teams(id),
    cadre_id  BIGINT NOT NULL REFERENCES cadres(id),
    role      TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (team_id, cadre_id)
);

CREATE TABLE cadre_secondments (
    id            BIGSERIAL PRIMARY KEY,
    name          TEXT NOT NULL,
    unit          TEXT NOT NULL,
    home_area     TEXT COLLATE "C" NOT NULL,
    destination   TEXT COLLATE "C" NOT NULL,
    place         TEXT NOT NULL,
    from_date     DATE NOT NULL,
    to_date       DATE,
    recorded_at   TIMESTAMPTZ NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE INDEX cadre_secondments_area ON cadre_secondments (home_area);

CREATE TABLE partners (
    id         BIGINT PRIMARY KEY,
    name       TEXT NOT NULL,
    kind       TEXT COLLATE "C" NOT NULL,
    area_code  TEXT COLLATE "C" NOT NULL
);
CREATE INDEX partners_area ON partners (area_code);

CREATE TABLE donations (
    id            BIGSERIAL PRIMARY KEY,
    partner_id    BIGINT NOT NULL REFERENCES partners(id),
    donated_on    DATE NOT NULL,
    amount_fen    BIGINT NOT NULL,
    poverty_day   BOOLEAN NOT NULL,
    area_code     TEXT COLLATE "C" NOT NULL,
    recorded_at   TIMESTAMPTZ NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE INDEX donations_area ON donations (area_code, donated_on);

CREATE TABLE settlements (
    id            BIGINT PRIMARY KEY,
    name          TEXT NOT NULL,
    kind          TEXT COLLATE "C" NOT NULL,
    village_code  TEXT COLLATE "C" NOT NULL,
    capacity      BIGINT NOT NULL,
    built         BIGINT NOT NULL,
    services      TEXT NOT NULL
);
CREATE INDEX settlements_village ON settlements (village_code);

CREATE TABLE settlement_residents (
    settlement_id  BIGINT NOT NULL REFERENCES settlements(id),
    household_id   BIGINT NOT NULL REFERENCES households(id),
    moved_in       DATE NOT NULL,
    PRIMARY KEY (settlement_id, household_id)
);
CREATE UNIQUE INDEX settlement_residents_household ON settlement_residents (household_id);

-- Kept beside the registry, never mixed with its figures. A re-import of the same figure replaces it
-- (the audit log keeps the old value).
CREATE TABLE official_statistics (
    area_code    TEXT COLLATE "C" NOT NULL,
    indicator    TEXT COLLATE "C" NOT NULL,
    year         BIGINT NOT NULL,
    label        TEXT NOT NULL,
    value        DOUBLE PRECISION NOT NULL,
    unit         TEXT NOT NULL,
    source       TEXT COLLATE "C" NOT NULL,
    recorded_at  TIMESTAMPTZ NOT NULL,
    recorded_by  TEXT NOT NULL,
    PRIMARY KEY (area_code, indicator, year)
);
