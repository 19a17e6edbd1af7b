"""The job_ads feed: spec, JobStream and archive clients (jobtech, archive), lander (land), parsers (parse, rows)."""
