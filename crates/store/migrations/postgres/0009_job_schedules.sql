-- The link sweep's schedule becomes the jobs' schedule: one row per named
-- periodic job (the link sweep first, harvests next) holding when its job
-- was last enqueued and which job that was (NULL until the first run after
-- the schedule started), so several Kho processes on one database enqueue
-- each run once, and none while the previous one is unfinished.
-- 0008 is left as it landed: applied migrations are checked by checksum.

ALTER TABLE link_sweeps RENAME TO job_schedules;
UPDATE job_schedules SET name = 'link_sweep' WHERE name = 'sweep';
