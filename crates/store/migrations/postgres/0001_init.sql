-- Initial schema (PostgreSQL). Released: never edit, add a new migration instead.
-- Dates are DATE, timestamps TIMESTAMPTZ, booleans BOOLEAN, every integer BIGINT (money in fen).
-- Codes and numbers are COLLATE "C" so that ordering and prefix ranges are byte order, whatever the
-- database's locale.

CREATE TABLE areas (
    code        TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT NOT NULL,
    settlement  TEXT
);

CREATE TABLE area_changes (
    id           BIGSERIAL PRIMARY KEY,
    code         TEXT COLLATE "C" NOT NULL REFERENCES areas(code),
    effective    DATE NOT NULL,
    kind         TEXT COLLATE "C" NOT NULL CHECK (kind IN ('renamed', 'merged')),
    new_name     TEXT,
    into_code    TEXT COLLATE "C" REFERENCES areas(code),
    recorded_at  TIMESTAMPTZ NOT NULL,
    recorded_by  TEXT NOT NULL
);

CREATE TABLE households (
    id               BIGSERIAL PRIMARY KEY,
    household_no     TEXT COLLATE "C" NOT NULL UNIQUE,
    village_code     TEXT COLLATE "C" NOT NULL,
    current_version  BIGINT NOT NULL
);
CREATE INDEX households_village ON households (village_code);

CREATE TABLE household_versions (
    household_id               BIGINT NOT NULL REFERENCES households(id),
    version                    BIGINT NOT NULL,
    effective_from             DATE NOT NULL,
    recorded_at                TIMESTAMPTZ NOT NULL,
    recorded_by                TEXT NOT NULL,
    reason                     TEXT NOT NULL,
    household_no               TEXT COLLATE "C" NOT NULL,
    village_code               TEXT COLLATE "C" NOT NULL,
    natural_village            TEXT,
    phone                      TEXT,
    standard                   TEXT NOT NULL,
    attribute                  TEXT,
    main_cause                 TEXT,
    other_causes               TEXT NOT NULL,
    planned_exit_year          BIGINT,
    housing_area_sqm           BIGINT,
    housing_grade              TEXT,
    safe_alternative           TEXT,
    relocation_year            BIGINT,
    relocation_placement       TEXT,
    relocation_site            TEXT,
    water_litres_per_person_day BIGINT,
    water_fetch_minutes        BIGINT,
    water_outage_days_per_year BIGINT,
    water_quality_ok           BOOLEAN,
    water_dry_area             BOOLEAN NOT NULL,
    food_clothing_secured      BOOLEAN NOT NULL,
    electricity                BOOLEAN NOT NULL,
    sanitary_toilet            BOOLEAN NOT NULL,
    fuel                       TEXT,
    farmland_mu                DOUBLE PRECISION,
    forest_mu                  DOUBLE PRECISION,
    cooperative_member         BOOLEAN NOT NULL,
    PRIMARY KEY (household_id, version)
);
CREATE INDEX household_versions_effective ON household_versions (household_id, effective_from, version);

CREATE TABLE member_versions (
    household_id               BIGINT NOT NULL,
    version                    BIGINT NOT NULL,
    seq                        BIGINT NOT NULL,
    name                       TEXT NOT NULL,
    resident_id                TEXT COLLATE "C" NOT NULL,
    sex                        TEXT NOT NULL,
    relationship               TEXT NOT NULL,
    ethnicity                  TEXT NOT NULL,
    education                  TEXT,
    schooling                  TEXT,
    health                     TEXT NOT NULL,
    labour                     TEXT,
    work_status                TEXT NOT NULL,
    migrant_months             BIGINT NOT NULL,
    medical_insurance          BOOLEAN NOT NULL,
    serious_illness_insurance  BOOLEAN NOT NULL,
    pension_insurance          BOOLEAN NOT NULL,
    social_assistance          TEXT NOT NULL,
    PRIMARY KEY (household_id, version, seq),
    FOREIGN KEY (household_id, version) REFERENCES household_versions (household_id, version)
);
CREATE INDEX member_versions_resident ON member_versions (resident_id);

CREATE TABLE income_versions (
    household_id       BIGINT NOT NULL,
    version            BIGINT NOT NULL,
    year               BIGINT NOT NULL,
    wages              BIGINT NOT NULL,
    business           BIGINT NOT NULL,
    property_dividend  BIGINT NOT NULL,
    property_other     BIGINT NOT NULL,
    family_planning    BIGINT NOT NULL,
    dibao_benefit      BIGINT NOT NULL,
    tekun_benefit      BIGINT NOT NULL,
    pension            BIGINT NOT NULL,
    eco_compensation   BIGINT NOT NULL,
    other_transfer     BIGINT NOT NULL,
    production_costs   BIGINT NOT NULL,
    PRIMARY KEY (household_id, version, year),
    FOREIGN KEY (household_id, version) REFERENCES household_versions (household_id, version)
);

CREATE TABLE status_events (
    id               BIGSERIAL PRIMARY KEY,
    household_id     BIGINT NOT NULL REFERENCES households(id),
    kind             TEXT COLLATE "C" NOT NULL,
    effective        DATE NOT NULL,
    monitoring_kind  TEXT,
    risk_types       TEXT NOT NULL,
    note             TEXT NOT NULL,
    recorded_at      TIMESTAMPTZ NOT NULL,
    recorded_by      TEXT NOT NULL
);
CREATE INDEX status_events_household ON status_events (household_id, effective, id);

CREATE TABLE evaluation_runs (
    id            BIGSERIAL PRIMARY KEY,
    year          BIGINT NOT NULL,
    as_of         DATE NOT NULL,
    pack_version  TEXT NOT NULL,
    pack_hash     TEXT COLLATE "C" NOT NULL,
    code_version  TEXT NOT NULL,
    data_time     TIMESTAMPTZ NOT NULL,
    summary_json  TEXT NOT NULL,
    recorded_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE evaluation_proposals (
    run_id        BIGINT NOT NULL REFERENCES evaluation_runs(id),
    seq           BIGINT NOT NULL,
    household_id  BIGINT NOT NULL REFERENCES households(id),
    kind          TEXT COLLATE "C" NOT NULL,
    detail_json   TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
CREATE INDEX evaluation_proposals_household ON evaluation_proposals (household_id);

CREATE TABLE audit_log (
    seq        BIGINT PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    entity     TEXT COLLATE "C" NOT NULL,
    entity_id  TEXT COLLATE "C" NOT NULL,
    reason     TEXT NOT NULL,
    detail     TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_log_actor ON audit_log (actor);
CREATE INDEX audit_log_at ON audit_log (at);
