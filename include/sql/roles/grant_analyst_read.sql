-- Analysts read everything already in core and mart (default privileges cover what comes later),
-- except the job-seeker facts: their counts below 5 are read only through mart.jobseekers_monthly,
-- which never shows them (V044).
grant select on all tables in schema core, mart to analyst;
revoke all on core.jobseekers_monthly from analyst;
