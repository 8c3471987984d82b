-- Ordered jobs (core/outbox/lanes.ts). A job with an ordering key (a plugin job whose plugin names
-- one: `ticket:77`) gets a row here, committed with the job; `seq` is the order the rows were
-- inserted, so within one lane it is the order Herald accepted the events. A job runs only once
-- every earlier row of its lane is gone. Idempotent, like the others.
-- `seq` is the rowid: a new row always numbers above every row present, which is all the order needs.
CREATE TABLE IF NOT EXISTS job_lanes (
  seq INTEGER PRIMARY KEY,
  job_id TEXT NOT NULL,
  lane TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS job_lanes_by_job ON job_lanes (job_id);
CREATE INDEX IF NOT EXISTS job_lanes_by_lane ON job_lanes (lane, seq);
-- A job's row goes with the job, however the job is removed: a lane never waits on a job that is gone.
CREATE TRIGGER IF NOT EXISTS job_lanes_on_job_delete AFTER DELETE ON jobs BEGIN DELETE FROM job_lanes WHERE job_id = OLD.id; END;
