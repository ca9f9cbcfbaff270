-- Member changes and members' 户口 (SQLite), issue 13 §1. Released: never edit, add a new migration.
-- member_changes: why a member joined or left a household (core's MemberChangeKind code), written in the
-- same transaction as the household version the change made (`version`).
-- member_hukou: where a member's 户口 is, kept apart from membership (a member shares the household's
-- income and spending wherever the 户口 is); the row of the highest version applies.
CREATE TABLE member_changes (
    id            INTEGER PRIMARY KEY,
    household_id  INTEGER NOT NULL REFERENCES households(id),
    version       INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    resident_id   TEXT NOT NULL,
    member_name   TEXT NOT NULL,
    effective     TEXT NOT NULL,
    note          TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE INDEX member_changes_household ON member_changes (household_id, id);

CREATE TABLE member_hukou (
    household_id  INTEGER NOT NULL REFERENCES households(id),
    resident_id   TEXT NOT NULL,
    version       INTEGER NOT NULL,
    in_household  INTEGER NOT NULL,
    place         TEXT,
    recorded_at   TEXT NOT NULL,
    recorded_by   TEXT NOT NULL,
    PRIMARY KEY (household_id, resident_id, version)
) WITHOUT ROWID;
