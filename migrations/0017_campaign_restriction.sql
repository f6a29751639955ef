-- The restriction step of the campaign restricted the case's access (only after the dated warning rule held).
ALTER TABLE cases ADD COLUMN restricted_at INTEGER;
CREATE INDEX scheduled_jobs_case ON scheduled_jobs (case_id, status);
