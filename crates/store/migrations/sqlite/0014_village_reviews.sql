-- Village reviews (村级民主评议) of the monitoring workflow, their notices (公示) and the objections raised
-- during a notice (SQLite). Released: never edit, add a new migration. Dates are ISO text, timestamps
-- fixed-width UTC text (see the crate docs).

-- One meeting of a village for several households; its notice lists the households that passed and runs
-- from notice_from to notice_until (both included).
CREATE TABLE village_reviews (
    id               INTEGER PRIMARY KEY,
    village_code     TEXT NOT NULL,
    reviewed_on      TEXT NOT NULL,
    participants     TEXT NOT NULL,
    notice_from      TEXT NOT NULL,
    notice_until     TEXT NOT NULL,
    complaint_phone  TEXT NOT NULL,
    recorded_by      TEXT NOT NULL,
    recorded_at      TEXT NOT NULL
);
CREATE INDEX village_reviews_village ON village_reviews (village_code, reviewed_on);

-- The cases a review decided on (each case is reviewed by its village once), in the notice's order.
CREATE TABLE village_review_cases (
    case_id    TEXT PRIMARY KEY REFERENCES monitoring_cases(id),
    review_id  INTEGER NOT NULL REFERENCES village_reviews(id),
    seq        INTEGER NOT NULL,
    outcome    TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX village_review_cases_review ON village_review_cases (review_id, seq);

-- Objections raised while a notice is up: who, when, what, and how they were resolved.
CREATE TABLE notice_objections (
    id           INTEGER PRIMARY KEY,
    review_id    INTEGER NOT NULL REFERENCES village_reviews(id),
    case_id      TEXT REFERENCES monitoring_cases(id),
    raised_by    TEXT NOT NULL,
    raised_on    TEXT NOT NULL,
    content      TEXT NOT NULL,
    resolution   TEXT,
    resolved_on  TEXT,
    recorded_by  TEXT NOT NULL,
    recorded_at  TEXT NOT NULL
);
CREATE INDEX notice_objections_review ON notice_objections (review_id);
