-- What changed from the previous version of a table (postgres flavour; keep in step with the other flavour's 0006).
-- JSON: rows added/removed/changed/unchanged and columns added/removed/retyped,
-- recorded with the version (loads compare the two tables; API writes know what they did).

ALTER TABLE datastore_versions ADD COLUMN changes TEXT;
