-- The rules' suspect proposals and the exit-assessment rates built on them (catalogue:
-- return_suspect_households, wrong_exit_*, omission_*). Rates are person-weighted: suspects' people over
-- exited people, and over people never registered.
SELECT
  year, level, area,
  sum(CASE WHEN proposal_return_to_poverty THEN 1 ELSE 0 END) AS return_suspect_households,
  sum(CASE WHEN proposal_wrong_exit_suspect THEN 1 ELSE 0 END) AS wrong_exit_suspect_households,
  CASE WHEN sum(CASE WHEN registry_state = 'exited' THEN size ELSE 0 END) > 0
       THEN sum(CASE WHEN proposal_wrong_exit_suspect THEN size ELSE 0 END)
            / CAST(sum(CASE WHEN registry_state = 'exited' THEN size ELSE 0 END) AS DOUBLE) END
    AS wrong_exit_rate,
  sum(CASE WHEN proposal_omission_suspect THEN 1 ELSE 0 END) AS omission_suspect_households,
  CASE WHEN sum(CASE WHEN NOT ever_registered THEN size ELSE 0 END) > 0
       THEN sum(CASE WHEN proposal_omission_suspect THEN size ELSE 0 END)
            / CAST(sum(CASE WHEN NOT ever_registered THEN size ELSE 0 END) AS DOUBLE) END
    AS omission_rate
FROM hy_area
GROUP BY year, level, area
