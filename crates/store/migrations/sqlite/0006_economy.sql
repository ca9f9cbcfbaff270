-- The rural economy around the registry (SQLite, issue 14): operators, featured-industry bases, their
-- links with households (联农带农), employment of working-age members, poverty-alleviation products and their
-- sales, village collective accounts and their projects. Released: never edit, add a new migration.
-- History: no row is ever updated or deleted. A change is a new row with the next `version` of its key
-- (recorded_at, recorded_by, reason); the current record of a key is its highest version. Every write has its
-- audit entry in the same transaction. Codes are the core crate's stable codes; money in fen.

CREATE TABLE economy_operators (
    id               INTEGER NOT NULL,
    version          INTEGER NOT NULL,
    name             TEXT NOT NULL,
    kind             TEXT NOT NULL,
    level            TEXT,
    recognised_year  INTEGER,
    area_code        TEXT NOT NULL,
    recorded_at      TEXT NOT NULL,
    recorded_by      TEXT NOT NULL,
    reason           TEXT NOT NULL,
    PRIMARY KEY (id, version)
) WITHOUT ROWID;
CREATE INDEX economy_operators_area ON economy_operators (area_code);

CREATE TABLE industry_bases (
    id               INTEGER NOT NULL,
    version          INTEGER NOT NULL,
    name             TEXT NOT NULL,
    kind             TEXT NOT NULL,
    area_mu          REAL NOT NULL,
    village_code     TEXT NOT NULL,
    operator_id      INTEGER,
    established      INTEGER NOT NULL,
    recorded_at      TEXT NOT NULL,
    recorded_by      TEXT NOT NULL,
    reason           TEXT NOT NULL,
    PRIMARY KEY (id, version)
) WITHOUT ROWID;
CREATE INDEX industry_bases_village ON industry_bases (village_code);

-- base_id 0: the link names no base.
CREATE TABLE industry_links (
    household_id     INTEGER NOT NULL REFERENCES households(id),
    operator_id      INTEGER NOT NULL,
    kind             TEXT NOT NULL,
    year             INTEGER NOT NULL,
    version          INTEGER NOT NULL,
    base_id          INTEGER NOT NULL,
    amount_fen       INTEGER NOT NULL,
    recorded_at      TEXT NOT NULL,
    recorded_by      TEXT NOT NULL,
    reason           TEXT NOT NULL,
    PRIMARY KEY (household_id, operator_id, kind, year, version)
) WITHOUT ROWID;
CREATE INDEX industry_links_operator ON industry_links (operator_id, year);

-- member_id is the member's resident ID (personal data: never in audit details, masked in lists).
CREATE TABLE employment_records (
    household_id     INTEGER NOT NULL REFERENCES households(id),
    member_id        TEXT NOT NULL,
    year             INTEGER NOT NULL,
    version          INTEGER NOT NULL,
    status           TEXT NOT NULL,
    months           INTEGER NOT NULL CHECK (months BETWEEN 0 AND 12),
    wage_fen         INTEGER NOT NULL,
    not_working      TEXT,
    recorded_at      TEXT NOT NULL,
    recorded_by      TEXT NOT NULL,
    reason           TEXT NOT NULL,
    PRIMARY KEY (household_id, member_id, year, version)
) WITHOUT ROWID;
CREATE INDEX employment_records_year ON employment_records (year, household_id);

-- platforms: the codes joined with ','.
CREATE TABLE economy_products (
    id               INTEGER NOT NULL,
    version          INTEGER NOT NULL,
    name             TEXT NOT NULL,
    category         TEXT NOT NULL,
    producer_id      INTEGER NOT NULL,
    area_code        TEXT NOT NULL,
    certified_year   INTEGER NOT NULL,
    platforms        TEXT NOT NULL,
    brand            TEXT,
    recorded_at      TEXT NOT NULL,
    recorded_by      TEXT NOT NULL,
    reason           TEXT NOT NULL,
    PRIMARY KEY (id, version)
) WITHOUT ROWID;
CREATE INDEX economy_products_area ON economy_products (area_code);

CREATE TABLE product_sales (
    product_id       INTEGER NOT NULL,
    year             INTEGER NOT NULL,
    platform         TEXT NOT NULL,
    version          INTEGER NOT NULL,
    amount_fen       INTEGER NOT NULL,
    recorded_at      TEXT NOT NULL,
    recorded_by      TEXT NOT NULL,
    reason           TEXT NOT NULL,
    PRIMARY KEY (product_id, year, platform, version)
) WITHOUT ROWID;

CREATE TABLE collective_accounts (
    village_code     TEXT NOT NULL,
    year             INTEGER NOT NULL,
    version          INTEGER NOT NULL,
    operating_fen    INTEGER NOT NULL,
    assets_income_fen INTEGER NOT NULL,
    services_fen     INTEGER NOT NULL,
    subsidies_fen    INTEGER NOT NULL,
    assets_fen       INTEGER NOT NULL,
    recorded_at      TEXT NOT NULL,
    recorded_by      TEXT NOT NULL,
    reason           TEXT NOT NULL,
    PRIMARY KEY (village_code, year, version)
) WITHOUT ROWID;
CREATE INDEX collective_accounts_year ON collective_accounts (year, village_code);

-- The projects of one version of an account (a new version repeats them).
CREATE TABLE collective_projects (
    village_code     TEXT NOT NULL,
    year             INTEGER NOT NULL,
    version          INTEGER NOT NULL,
    seq              INTEGER NOT NULL,
    name             TEXT NOT NULL,
    invested_fen     INTEGER NOT NULL,
    income_fen       INTEGER NOT NULL,
    PRIMARY KEY (village_code, year, version, seq)
) WITHOUT ROWID;
