-- Monitoring indicators (catalogue: monitored_households … monitoring_candidate_households): decisions in
-- force on the evaluation date (monitoring_kind) and the rules' proposals (proposal_monitoring_candidate).
SELECT
  year, level, area,
  sum(CASE WHEN monitoring_kind IS NOT NULL THEN 1 ELSE 0 END) AS monitored_households,
  sum(CASE WHEN monitoring_kind = 'unstable' THEN 1 ELSE 0 END) AS monitored_households__unstable,
  sum(CASE WHEN monitoring_kind = 'marginal' THEN 1 ELSE 0 END) AS monitored_households__marginal,
  sum(CASE WHEN monitoring_kind = 'sudden_hardship' THEN 1 ELSE 0 END) AS monitored_households__sudden_hardship,
  sum(CASE WHEN monitoring_kind IS NOT NULL THEN size ELSE 0 END) AS monitored_people,
  sum(CASE WHEN monitoring_kind IS NOT NULL OR risk_eliminated THEN 1 ELSE 0 END)
    AS monitoring_identified_households,
  sum(CASE WHEN risk_eliminated THEN 1 ELSE 0 END) AS risk_eliminated_households,
  sum(CASE WHEN risk_eliminated THEN size ELSE 0 END) AS risk_eliminated_people,
  sum(CASE WHEN proposal_monitoring_candidate THEN 1 ELSE 0 END) AS monitoring_candidate_households
FROM hy_area
GROUP BY year, level, area
