-- Department findings per household, dated (SQLite): what `jingzhun department compare --save` keeps so that
-- the evaluation reads them (department-alert rules). Released: never edit, add a new migration.
-- signal is the core crate's DepartmentSignal code; amount_fen is the value compared with the threshold.
CREATE TABLE department_facts (
    id            INTEGER PRIMARY KEY,
    household_id  INTEGER NOT NULL REFERENCES households(id),
    signal        TEXT NOT NULL,
    fact_date     TEXT NOT NULL,
    amount_fen    INTEGER NOT NULL,
    source        TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE INDEX department_facts_household ON department_facts (household_id, fact_date);
