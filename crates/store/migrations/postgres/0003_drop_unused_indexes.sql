-- Drops two indexes of 0001 that cost bulk loads more than they give. Released: never edit, add a new one.
-- household_versions_effective: reads by household go through the primary key (household_id, version) and
--   filter a household's few versions; the extra index only slowed every insert.
-- member_versions_resident: random-order inserts into a B-tree over every member of every version cost about
--   a fifth of bulk-load time. Finding people by resident ID is a batch data-quality job (scan); add an index
--   in a new migration when an interactive lookup needs one.
DROP INDEX household_versions_effective;
DROP INDEX member_versions_resident;
