-- The registry's layout (issue 16): 'plain' (one table each, every deployment so far and still the default)
-- or 'partitioned' (the national layout: the five registry tables partitioned by province on the household
-- id). `jingzhun init --partitioned` converts a database in place (store/src/pg_national.rs); this
-- migration only records which layout a database has. Released: never edit, add a new migration instead.
CREATE TABLE registry_layout (
    one         BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
    layout      TEXT NOT NULL CHECK (layout IN ('plain', 'partitioned')),
    changed_at  TIMESTAMPTZ
);
INSERT INTO registry_layout (layout) VALUES ('plain');
