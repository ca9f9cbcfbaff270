-- The household-years of the Parquet export, once per area that counts them: village, township, county,
-- city (4-digit code) and province (2-digit code). Every indicator file groups this view by (year, level, area),
-- which is what the engine's rollup does: a household counts in its village and in every area above it.
-- Input: the view `household_year` over the export (`jingzhun export parquet`), registered by the runner.
CREATE OR REPLACE TEMPORARY VIEW hy_area AS
SELECT h.*, 'village' AS level, village_code AS area FROM household_year h
UNION ALL
SELECT h.*, 'township' AS level, township_code AS area FROM household_year h
UNION ALL
SELECT h.*, 'county' AS level, county_code AS area FROM household_year h
UNION ALL
SELECT h.*, 'city' AS level, substr(county_code, 1, 4) AS area FROM household_year h
UNION ALL
SELECT h.*, 'province' AS level, substr(county_code, 1, 2) AS area FROM household_year h
