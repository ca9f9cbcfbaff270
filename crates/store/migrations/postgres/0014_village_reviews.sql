-- Village reviews (村级民主评议) of the monitoring workflow, their notices (公示) and the objections raised
-- during a notice (PostgreSQL). Released: never edit, add a new migration. Dates DATE; timestamps
-- TIMESTAMPTZ; integers BIGINT.

-- One meeting of a village for several households; its notice lists the households that passed and runs
-- from notice_from to notice_until (both included).
CREATE TABLE village_reviews (
    id               BIGSERIAL PRIMARY KEY,
    village_code     TEXT COLLATE "C" NOT NULL,
    reviewed_on      DATE NOT NULL,
    participants     TEXT NOT NULL,
    notice_from      DATE NOT NULL,
    notice_until     DATE NOT NULL,
    complaint_phone  TEXT NOT NULL,
    recorded_by      TEXT NOT NULL,
    recorded_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX village_reviews_village ON village_reviews (village_code, reviewed_on);

-- The cases a review decided on (each case is reviewed by its village once), in the notice's order.
CREATE TABLE village_review_cases (
    case_id    TEXT COLLATE "C" PRIMARY KEY REFERENCES monitoring_cases(id),
    review_id  BIGINT NOT NULL REFERENCES village_reviews(id),
    seq        BIGINT NOT NULL,
    outcome    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX village_review_cases_review ON village_review_cases (review_id, seq);

-- Objections raised while a notice is up: who, when, what, and how they were resolved.
CREATE TABLE notice_objections (
    id           BIGSERIAL PRIMARY KEY,
    review_id    BIGINT NOT NULL REFERENCES village_reviews(id),
    case_id      TEXT COLLATE "C" REFERENCES monitoring_cases(id),
    raised_by    TEXT NOT NULL,
    raised_on    DATE NOT NULL,
    content      TEXT NOT NULL,
    resolution   TEXT,
    resolved_on  DATE,
    recorded_by  TEXT NOT NULL,
    recorded_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX notice_objections_review ON notice_objections (review_id);
