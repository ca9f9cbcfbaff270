-- Department findings per household, dated (PostgreSQL): what `jingzhun department compare --save` keeps so
-- that the evaluation reads them (department-alert rules). Released: never edit, add a new migration.
-- signal is the core crate's DepartmentSignal code; amount_fen is the value compared with the threshold.
CREATE TABLE department_facts (
    id            BIGSERIAL PRIMARY KEY,
    household_id  BIGINT NOT NULL REFERENCES households(id),
    signal        TEXT COLLATE "C" NOT NULL,
    fact_date     DATE NOT NULL,
    amount_fen    BIGINT NOT NULL,
    source        TEXT NOT NULL,
    recorded_at   TIMESTAMPTZ NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE INDEX department_facts_household ON department_facts (household_id, fact_date);
