-- Registry indicators (catalogue: rural_households … dibao_registered_share). A removed household (销户)
-- stays a row with size 0: it counts as a household of the registry and adds no people, as in the engine.
-- Column names are the catalogue codes with '.' written '__'.
SELECT
  year, level, area,
  count(*) AS rural_households,
  sum(size) AS rural_population,
  sum(CASE WHEN registry_state = 'poor' THEN 1 ELSE 0 END) AS poor_households,
  sum(CASE WHEN registry_state = 'poor' THEN size ELSE 0 END) AS poor_people,
  CASE WHEN sum(size) > 0
       THEN sum(CASE WHEN registry_state = 'poor' THEN size ELSE 0 END) / CAST(sum(size) AS DOUBLE) END
    AS incidence,
  sum(CASE WHEN ever_registered THEN 1 ELSE 0 END) AS ever_registered_households,
  sum(CASE WHEN ever_registered THEN size ELSE 0 END) AS ever_registered_people,
  sum(CASE WHEN registry_state = 'exited' THEN size ELSE 0 END) AS exited_people,
  sum(CASE WHEN relocated THEN 1 ELSE 0 END) AS relocated_households,
  sum(CASE WHEN relocated THEN size ELSE 0 END) AS relocated_people,
  sum(dibao_members) AS dibao_people,
  sum(tekun_members) AS tekun_people,
  sum(CASE WHEN ever_registered THEN dibao_members ELSE 0 END) AS dibao_registered_people,
  CASE WHEN sum(dibao_members) > 0
       THEN sum(CASE WHEN ever_registered THEN dibao_members ELSE 0 END) / CAST(sum(dibao_members) AS DOUBLE) END
    AS dibao_registered_share
FROM hy_area
GROUP BY year, level, area
