-- Member changes and members' 户口 (PostgreSQL), issue 13 §1. Released: never edit, add a new migration.
-- member_changes: why a member joined or left a household (core's MemberChangeKind code), written in the
-- same transaction as the household version the change made (`version`).
-- member_hukou: where a member's 户口 is, kept apart from membership (a member shares the household's
-- income and spending wherever the 户口 is); the row of the highest version applies.
CREATE TABLE member_changes (
    id            BIGSERIAL PRIMARY KEY,
    household_id  BIGINT NOT NULL REFERENCES households(id),
    version       BIGINT NOT NULL,
    kind          TEXT COLLATE "C" NOT NULL,
    resident_id   TEXT COLLATE "C" NOT NULL,
    member_name   TEXT NOT NULL,
    effective     DATE NOT NULL,
    note          TEXT NOT NULL,
    recorded_at   TIMESTAMPTZ NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE INDEX member_changes_household ON member_changes (household_id, id);

CREATE TABLE member_hukou (
    household_id  BIGINT NOT NULL REFERENCES households(id),
    resident_id   TEXT COLLATE "C" NOT NULL,
    version       BIGINT NOT NULL,
    in_household  BOOLEAN NOT NULL,
    place         TEXT,
    recorded_at   TIMESTAMPTZ NOT NULL,
    recorded_by   TEXT NOT NULL,
    PRIMARY KEY (household_id, resident_id, version)
);
