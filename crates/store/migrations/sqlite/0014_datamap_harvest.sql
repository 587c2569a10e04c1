-- The data map harvested from other Kho nodes (issue 9): an entry a
-- harvest source brought names that source and the entry's id at the
-- remote node, so a rerun updates the same local entry, a vanished remote
-- entry is deleted here, and the entry is read-only for everyone but the
-- harvester (it is edited at its source).

ALTER TABLE datamap_databases ADD COLUMN harvest_source_id TEXT;
ALTER TABLE datamap_databases ADD COLUMN harvest_remote_id TEXT;
CREATE INDEX datamap_databases_harvest ON datamap_databases (harvest_source_id);
