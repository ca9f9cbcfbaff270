-- Initial schema (SQLite). Released: never edit, add a new migration instead.
-- Dates are ISO-8601 TEXT ('YYYY-MM-DD'), timestamps fixed-width UTC TEXT ('YYYY-MM-DDTHH:MM:SS.ffffffZ'),
-- so that text comparison is chronological comparison. Booleans are INTEGER 0/1. Money is INTEGER fen.

CREATE TABLE areas (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    settlement  TEXT
) WITHOUT ROWID;

CREATE TABLE area_changes (
    id           INTEGER PRIMARY KEY,
    code         TEXT NOT NULL REFERENCES areas(code),
    effective    TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('renamed', 'merged')),
    new_name     TEXT,
    into_code    TEXT REFERENCES areas(code),
    recorded_at  TEXT NOT NULL,
    recorded_by  TEXT NOT NULL
);

CREATE TABLE households (
    id               INTEGER PRIMARY KEY,
    household_no     TEXT NOT NULL UNIQUE,
    village_code     TEXT NOT NULL,
    current_version  INTEGER NOT NULL
);
CREATE INDEX households_village ON households (village_code);

CREATE TABLE household_versions (
    household_id               INTEGER NOT NULL REFERENCES households(id),
    version                    INTEGER NOT NULL,
    effective_from             TEXT NOT NULL,
    recorded_at                TEXT NOT NULL,
    recorded_by                TEXT NOT NULL,
    reason                     TEXT NOT NULL,
    household_no               TEXT NOT NULL,
    village_code               TEXT NOT NULL,
    natural_village            TEXT,
    phone                      TEXT,
    standard                   TEXT NOT NULL,
    attribute                  TEXT,
    main_cause                 TEXT,
    other_causes               TEXT NOT NULL,
    planned_exit_year          INTEGER,
    housing_area_sqm           INTEGER,
    housing_grade              TEXT,
    safe_alternative           TEXT,
    relocation_year            INTEGER,
    relocation_placement       TEXT,
    relocation_site            TEXT,
    water_litres_per_person_day INTEGER,
    water_fetch_minutes        INTEGER,
    water_outage_days_per_year INTEGER,
    water_quality_ok           INTEGER,
    water_dry_area             INTEGER NOT NULL,
    food_clothing_secured      INTEGER NOT NULL,
    electricity                INTEGER NOT NULL,
    sanitary_toilet            INTEGER NOT NULL,
    fuel                       TEXT,
    farmland_mu                REAL,
    forest_mu                  REAL,
    cooperative_member         INTEGER NOT NULL,
    PRIMARY KEY (household_id, version)
) WITHOUT ROWID;
CREATE INDEX household_versions_effective ON household_versions (household_id, effective_from, version);

CREATE TABLE member_versions (
    household_id               INTEGER NOT NULL,
    version                    INTEGER NOT NULL,
    seq                        INTEGER NOT NULL,
    name                       TEXT NOT NULL,
    resident_id                TEXT NOT NULL,
    sex                        TEXT NOT NULL,
    relationship               TEXT NOT NULL,
    ethnicity                  TEXT NOT NULL,
    education                  TEXT,
    schooling                  TEXT,
    health                     TEXT NOT NULL,
    labour                     TEXT,
    work_status                TEXT NOT NULL,
    migrant_months             INTEGER NOT NULL,
    medical_insurance          INTEGER NOT NULL,
    serious_illness_insurance  INTEGER NOT NULL,
    pension_insurance          INTEGER NOT NULL,
    social_assistance          TEXT NOT NULL,
    PRIMARY KEY (household_id, version, seq),
    FOREIGN KEY (household_id, version) REFERENCES household_versions (household_id, version)
) WITHOUT ROWID;
CREATE INDEX member_versions_resident ON member_versions (resident_id);

CREATE TABLE income_versions (
    household_id       INTEGER NOT NULL,
    version            INTEGER NOT NULL,
    year               INTEGER NOT NULL,
    wages              INTEGER NOT NULL,
    business           INTEGER NOT NULL,
    property_dividend  INTEGER NOT NULL,
    property_other     INTEGER NOT NULL,
    family_planning    INTEGER NOT NULL,
    dibao_benefit      INTEGER NOT NULL,
    tekun_benefit      INTEGER NOT NULL,
    pension            INTEGER NOT NULL,
    eco_compensation   INTEGER NOT NULL,
    other_transfer     INTEGER NOT NULL,
    production_costs   INTEGER NOT NULL,
    PRIMARY KEY (household_id, version, year),
    FOREIGN KEY (household_id, version) REFERENCES household_versions (household_id, version)
) WITHOUT ROWID;

CREATE TABLE status_events (
    id               INTEGER PRIMARY KEY,
    household_id     INTEGER NOT NULL REFERENCES households(id),
    kind             TEXT NOT NULL,
    effective        TEXT NOT NULL,
    monitoring_kind  TEXT,
    risk_types       TEXT NOT NULL,
    note             TEXT NOT NULL,
    recorded_at      TEXT NOT NULL,
    recorded_by      TEXT NOT NULL
);
CREATE INDEX status_events_household ON status_events (household_id, effective, id);

CREATE TABLE evaluation_runs (
    id            INTEGER PRIMARY KEY,
    year          INTEGER NOT NULL,
    as_of         TEXT NOT NULL,
    pack_version  TEXT NOT NULL,
    pack_hash     TEXT NOT NULL,
    code_version  TEXT NOT NULL,
    data_time     TEXT NOT NULL,
    summary_json  TEXT NOT NULL,
    recorded_at   TEXT NOT NULL
);

CREATE TABLE evaluation_proposals (
    run_id        INTEGER NOT NULL REFERENCES evaluation_runs(id),
    seq           INTEGER NOT NULL,
    household_id  INTEGER NOT NULL REFERENCES households(id),
    kind          TEXT NOT NULL,
    detail_json   TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
CREATE INDEX evaluation_proposals_household ON evaluation_proposals (household_id);

CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    reason     TEXT NOT NULL,
    detail     TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_log_actor ON audit_log (actor);
CREATE INDEX audit_log_at ON audit_log (at);
