-- A batch's status 'staged' is real: set when its stage commits (vagled.pipeline.batch), read
-- by its publish. In flight: 'running' (opened, landing, staging) and 'staged'; final:
-- 'succeeded', 'rejected', 'failed'.
alter table audit.load_batch drop constraint load_batch_status_check;
alter table audit.load_batch add constraint load_batch_status_check
    check (status in ('running', 'staged', 'succeeded', 'failed', 'rejected'));
comment on column audit.load_batch.status is
    'Laddningens läge / the batch''s state: running, staged (in flight), succeeded, rejected or failed';

-- A batch in flight whose stage committed (its validation result is recorded) is staged.
update audit.load_batch as b
set status = 'staged'
where b.status = 'running'
  and exists (select from audit.validation_result as v where v.batch_id = b.batch_id);

-- Freshness counts finished batches only: a staged batch is in flight, as a running one is.
-- (The function of V010, with 'staged' beside 'running'; its grants stay with it.)
create or replace function mart.feed_freshness_at(as_of timestamptz)
returns table (
    feed                  text,
    county_code           char(2),
    dag_id                text,
    max_age               interval,
    last_success_at       timestamptz,
    last_batch_id         bigint,
    last_batch_status     text,
    rows_last_batch       bigint,
    quarantined_last      bigint,
    validation_pass_rate  numeric,
    parts                 bigint,
    stale_parts           bigint,
    status                text
)
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $fn$
with policy as (
    select p.feed, p.dag_id, p.max_age, p.per_county
    from audit.feed_freshness_policy as p
),

finished as (
    select b.feed, b.partition_key, b.batch_id, b.status, b.loaded, b.quarantined, b.finished_at
    from audit.load_batch as b
    where b.replay_of_batch_id is null
      and b.status not in ('running', 'staged')
      and b.finished_at <= feed_freshness_at.as_of
),

part_latest as (
    select distinct on (f.feed, f.partition_key) f.*
    from finished as f
    order by f.feed, f.partition_key, f.batch_id desc
),

part_success as (
    select f.feed, f.partition_key, max(f.finished_at) as last_success_at
    from finished as f
    where f.status = 'succeeded'
    group by f.feed, f.partition_key
),

part_validation as (
    select v.batch_id, sum(v.rows_validated) as rows_validated, sum(v.rows_failed) as rows_failed
    from audit.validation_result as v
    join part_latest as l on l.batch_id = v.batch_id
    group by v.batch_id
),

parts as (
    select
        l.feed,
        case when p.per_county then left(l.partition_key, 2) end as county_code,
        p.max_age,
        l.batch_id,
        l.status,
        l.loaded,
        l.quarantined,
        s.last_success_at,
        v.rows_validated,
        v.rows_failed
    from part_latest as l
    join policy as p on p.feed = l.feed
    left join part_success as s on s.feed = l.feed and s.partition_key is not distinct from l.partition_key
    left join part_validation as v on v.batch_id = l.batch_id
),

summary as (
    select
        pa.feed,
        pa.county_code,
        min(pa.last_success_at) as last_success_at,
        max(pa.batch_id) as last_batch_id,
        case
            when bool_or(pa.status = 'rejected') then 'rejected'
            when bool_or(pa.status = 'failed') then 'failed'
            else 'succeeded'
        end as last_batch_status,
        sum(pa.loaded)::bigint as rows_last_batch,
        sum(pa.quarantined)::bigint as quarantined_last,
        sum(pa.rows_validated) as rows_validated,
        sum(pa.rows_failed) as rows_failed,
        count(*) as parts,
        count(*) filter (
            where pa.last_success_at is null or pa.last_success_at < feed_freshness_at.as_of - pa.max_age
        ) as stale_parts
    from parts as pa
    group by grouping sets ((pa.feed), (pa.feed, pa.county_code))
    -- the per-county grouping only for feeds loaded per municipality
    having grouping(pa.county_code) = 1 or pa.county_code is not null
)

select
    p.feed,
    s.county_code::char(2),
    p.dag_id,
    p.max_age,
    s.last_success_at,
    s.last_batch_id,
    s.last_batch_status,
    coalesce(s.rows_last_batch, 0),
    coalesce(s.quarantined_last, 0),
    round(1 - s.rows_failed::numeric / nullif(s.rows_validated, 0), 4),
    coalesce(s.parts, 0),
    coalesce(s.stale_parts, 0),
    case
        when s.last_success_at is null then 'never_loaded'
        when s.stale_parts > 0 then 'stale'
        else 'fresh'
    end
from policy as p
left join summary as s on s.feed = p.feed
order by p.feed, s.county_code nulls first
$fn$;
