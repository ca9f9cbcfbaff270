-- A covering index for the case counts of an area (dashboards): state, dates and the step waited for, by
-- village, so that counting the cases of a county or a city reads this index only, not every case row.
-- Released: never edit, add a new migration.
CREATE INDEX monitoring_cases_counts ON monitoring_cases (village_code, state, opened_at, closed_at, next_step);
