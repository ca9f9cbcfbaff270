-- The rural economy around the registry (PostgreSQL, issue 14): operators, featured-industry bases, their
-- links with households (联农带农), employment of working-age members, poverty-alleviation products and their
-- sales, village collective accounts and their projects. Released: never edit, add a new migration.
-- History: no row is ever updated or deleted. A change is a new row with the next `version` of its key
-- (recorded_at, recorded_by, reason); the current record of a key is its highest version. Every write has its
-- audit entry in the same transaction. Codes are the core crate's stable codes (COLLATE "C"); money in fen.

CREATE TABLE economy_operators (
    id               BIGINT NOT NULL,
    version          BIGINT NOT NULL,
    name             TEXT NOT NULL,
    kind             TEXT COLLATE "C" NOT NULL,
    level            TEXT COLLATE "C",
    recognised_year  BIGINT,
    area_code        TEXT COLLATE "C" NOT NULL,
    recorded_at      TIMESTAMPTZ NOT NULL,
    recorded_by      TEXT NOT NULL,
    reason           TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE INDEX economy_operators_area ON economy_operators (area_code);

CREATE TABLE industry_bases (
    id               BIGINT NOT NULL,
    version          BIGINT NOT NULL,
    name             TEXT NOT NULL,
    kind             TEXT COLLATE "C" NOT NULL,
    area_mu          DOUBLE PRECISION NOT NULL,
    village_code     TEXT COLLATE "C" NOT NULL,
    operator_id      BIGINT,
    established      BIGINT NOT NULL,
    recorded_at      TIMESTAMPTZ NOT NULL,
    recorded_by      TEXT NOT NULL,
    reason           TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE INDEX industry_bases_village ON industry_bases (village_code);

-- base_id 0: the link names no base.
CREATE TABLE industry_links (
    household_id     BIGINT NOT NULL REFERENCES households(id),
    operator_id      BIGINT NOT NULL,
    kind             TEXT COLLATE "C" NOT NULL,
    year             BIGINT NOT NULL,
    version          BIGINT NOT NULL,
    base_id          BIGINT NOT NULL,
    amount_fen       BIGINT NOT NULL,
    recorded_at      TIMESTAMPTZ NOT NULL,
    recorded_by      TEXT NOT NULL,
    reason           TEXT NOT NULL,
    PRIMARY KEY (household_id, operator_id, kind, year, version)
);
CREATE INDEX industry_links_operator ON industry_links (operator_id, year);

-- member_id is the member's resident ID (personal data: never in audit details, masked in lists).
CREATE TABLE employment_records (
    household_id     BIGINT NOT NULL REFERENCES households(id),
    member_id        TEXT COLLATE "C" NOT NULL,
    year             BIGINT NOT NULL,
    version          BIGINT NOT NULL,
    status           TEXT COLLATE "C" NOT NULL,
    months           BIGINT NOT NULL CHECK (months BETWEEN 0 AND 12),
    wage_fen         BIGINT NOT NULL,
    not_working      TEXT COLLATE "C",
    recorded_at      TIMESTAMPTZ NOT NULL,
    recorded_by      TEXT NOT NULL,
    reason           TEXT NOT NULL,
    PRIMARY KEY (household_id, member_id, year, version)
);
CREATE INDEX employment_records_year ON employment_records (year, household_id);

-- platforms: the codes joined with ','.
CREATE TABLE economy_products (
    id               BIGINT NOT NULL,
    version          BIGINT NOT NULL,
    name             TEXT NOT NULL,
    category         TEXT COLLATE "C" NOT NULL,
    producer_id      BIGINT NOT NULL,
    area_code        TEXT COLLATE "C" NOT NULL,
    certified_year   BIGINT NOT NULL,
    platforms        TEXT COLLATE "C" NOT NULL,
    brand            TEXT,
    recorded_at      TIMESTAMPTZ NOT NULL,
    recorded_by      TEXT NOT NULL,
    reason           TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE INDEX economy_products_area ON economy_products (area_code);

CREATE TABLE product_sales (
    product_id       BIGINT NOT NULL,
    year             BIGINT NOT NULL,
    platform         TEXT COLLATE "C" NOT NULL,
    version          BIGINT NOT NULL,
    amount_fen       BIGINT NOT NULL,
    recorded_at      TIMESTAMPTZ NOT NULL,
    recorded_by      TEXT NOT NULL,
    reason           TEXT NOT NULL,
    PRIMARY KEY (product_id, year, platform, version)
);

CREATE TABLE collective_accounts (
    village_code     TEXT COLLATE "C" NOT NULL,
    year             BIGINT NOT NULL,
    version          BIGINT NOT NULL,
    operating_fen    BIGINT NOT NULL,
    assets_income_fen BIGINT NOT NULL,
    services_fen     BIGINT NOT NULL,
    subsidies_fen    BIGINT NOT NULL,
    assets_fen       BIGINT NOT NULL,
    recorded_at      TIMESTAMPTZ NOT NULL,
    recorded_by      TEXT NOT NULL,
    reason           TEXT NOT NULL,
    PRIMARY KEY (village_code, year, version)
);
CREATE INDEX collective_accounts_year ON collective_accounts (year, village_code);

-- The projects of one version of an account (a new version repeats them).
CREATE TABLE collective_projects (
    village_code     TEXT COLLATE "C" NOT NULL,
    year             BIGINT NOT NULL,
    version          BIGINT NOT NULL,
    seq              BIGINT NOT NULL,
    name             TEXT NOT NULL,
    invested_fen     BIGINT NOT NULL,
    income_fen       BIGINT NOT NULL,
    PRIMARY KEY (village_code, year, version, seq)
);
