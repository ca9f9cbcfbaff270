-- Monitoring candidates by the risk types the rules named (catalogue: monitoring_candidates.risk.*); a
-- household with several risk types counts under each.
SELECT
  year, level, area,
  sum(CASE WHEN proposal_monitoring_candidate AND array_contains(risk_types, 'illness') THEN 1 ELSE 0 END)
    AS monitoring_candidates__risk__illness,
  sum(CASE WHEN proposal_monitoring_candidate AND array_contains(risk_types, 'schooling') THEN 1 ELSE 0 END)
    AS monitoring_candidates__risk__schooling,
  sum(CASE WHEN proposal_monitoring_candidate AND array_contains(risk_types, 'disability') THEN 1 ELSE 0 END)
    AS monitoring_candidates__risk__disability,
  sum(CASE WHEN proposal_monitoring_candidate AND array_contains(risk_types, 'disaster') THEN 1 ELSE 0 END)
    AS monitoring_candidates__risk__disaster,
  sum(CASE WHEN proposal_monitoring_candidate AND array_contains(risk_types, 'accident') THEN 1 ELSE 0 END)
    AS monitoring_candidates__risk__accident,
  sum(CASE WHEN proposal_monitoring_candidate AND array_contains(risk_types, 'industry_failure') THEN 1 ELSE 0 END)
    AS monitoring_candidates__risk__industry_failure,
  sum(CASE WHEN proposal_monitoring_candidate AND array_contains(risk_types, 'unstable_employment') THEN 1 ELSE 0 END)
    AS monitoring_candidates__risk__unstable_employment,
  sum(CASE WHEN proposal_monitoring_candidate AND array_contains(risk_types, 'lack_of_labour') THEN 1 ELSE 0 END)
    AS monitoring_candidates__risk__lack_of_labour,
  sum(CASE WHEN proposal_monitoring_candidate AND array_contains(risk_types, 'housing') THEN 1 ELSE 0 END)
    AS monitoring_candidates__risk__housing,
  sum(CASE WHEN proposal_monitoring_candidate AND array_contains(risk_types, 'water') THEN 1 ELSE 0 END)
    AS monitoring_candidates__risk__water,
  sum(CASE WHEN proposal_monitoring_candidate AND array_contains(risk_types, 'other') THEN 1 ELSE 0 END)
    AS monitoring_candidates__risk__other
FROM hy_area
GROUP BY year, level, area
