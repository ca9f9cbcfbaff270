-- 两不愁三保障 and drinking water (catalogue: guarantee_coverage.*): households whose guarantee the rules did not
-- find failed, over all households (a fact not recorded is not met).
SELECT
  year, level, area,
  sum(CASE WHEN food_clothing_met THEN 1 ELSE 0 END) / CAST(count(*) AS DOUBLE) AS guarantee_coverage__food_clothing,
  sum(CASE WHEN education_met THEN 1 ELSE 0 END) / CAST(count(*) AS DOUBLE) AS guarantee_coverage__education,
  sum(CASE WHEN medical_met THEN 1 ELSE 0 END) / CAST(count(*) AS DOUBLE) AS guarantee_coverage__medical,
  sum(CASE WHEN housing_met THEN 1 ELSE 0 END) / CAST(count(*) AS DOUBLE) AS guarantee_coverage__housing,
  sum(CASE WHEN water_met THEN 1 ELSE 0 END) / CAST(count(*) AS DOUBLE) AS guarantee_coverage__water
FROM hy_area
GROUP BY year, level, area
