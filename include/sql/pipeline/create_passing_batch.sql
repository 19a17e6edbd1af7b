-- The relation every publish statement reads: a batch's passing rows (vagled.pipeline.load.
-- build_passing_rows fills it). Temporary, dropped when the publish's transaction commits.
create temp table passing_batch (like staging.{table}) on commit drop
