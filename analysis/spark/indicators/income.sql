-- Per-capita net income (catalogue: income_mean.*, income_median.*, below_line_people,
-- below_monitoring_people). Means and medians are person-weighted over households with the year's income on
-- record and at least one member; the median is the income at which the cumulative weight reaches half the
-- population, or the midpoint with the next income when it reaches exactly half (as `measures::median`).
-- Groups: all households; registered (ever registered, or poor now); monitored (a decision in force).
WITH obs AS (
  SELECT year, level, area, 'all' AS grp, household_id, CAST(per_capita_income_yuan AS DOUBLE) AS y, size AS w
  FROM hy_area WHERE income_known AND size > 0
  UNION ALL
  SELECT year, level, area, 'registered' AS grp, household_id, CAST(per_capita_income_yuan AS DOUBLE) AS y, size AS w
  FROM hy_area WHERE income_known AND size > 0 AND (ever_registered OR registry_state = 'poor')
  UNION ALL
  SELECT year, level, area, 'monitored' AS grp, household_id, CAST(per_capita_income_yuan AS DOUBLE) AS y, size AS w
  FROM hy_area WHERE income_known AND size > 0 AND monitoring_kind IS NOT NULL
),
ranked AS (
  SELECT year, level, area, grp, y,
    sum(w) OVER (PARTITION BY year, level, area, grp ORDER BY y, household_id
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum,
    sum(w) OVER (PARTITION BY year, level, area, grp) AS total,
    lead(y) OVER (PARTITION BY year, level, area, grp ORDER BY y, household_id) AS next_y
  FROM obs
),
medians AS (
  SELECT year, level, area, grp, median FROM (
    SELECT year, level, area, grp,
      CASE WHEN 2 * cum = total AND next_y IS NOT NULL THEN (y + next_y) / 2 ELSE y END AS median,
      row_number() OVER (PARTITION BY year, level, area, grp ORDER BY cum) AS rn
    FROM ranked WHERE 2 * cum >= total
  ) first_past_half WHERE rn = 1
),
stats AS (
  SELECT o.year, o.level, o.area, o.grp, sum(o.y * o.w) / sum(o.w) AS mean, max(m.median) AS median
  FROM obs o JOIN medians m
    ON o.year = m.year AND o.level = m.level AND o.area = m.area AND o.grp = m.grp
  GROUP BY o.year, o.level, o.area, o.grp
),
lines AS (
  SELECT year, level, area,
    sum(CASE WHEN below_poverty_line THEN size ELSE 0 END) AS below_line_people,
    sum(CASE WHEN below_monitoring_line THEN size ELSE 0 END) AS below_monitoring_people
  FROM hy_area GROUP BY year, level, area
)
SELECT l.year, l.level, l.area, l.below_line_people, l.below_monitoring_people,
  max(CASE WHEN s.grp = 'all' THEN s.mean END) AS income_mean__all,
  max(CASE WHEN s.grp = 'all' THEN s.median END) AS income_median__all,
  max(CASE WHEN s.grp = 'registered' THEN s.mean END) AS income_mean__registered,
  max(CASE WHEN s.grp = 'registered' THEN s.median END) AS income_median__registered,
  max(CASE WHEN s.grp = 'monitored' THEN s.mean END) AS income_mean__monitored,
  max(CASE WHEN s.grp = 'monitored' THEN s.median END) AS income_median__monitored
FROM lines l LEFT JOIN stats s ON l.year = s.year AND l.level = s.level AND l.area = s.area
GROUP BY l.year, l.level, l.area, l.below_line_people, l.below_monitoring_people
