-- Monitoring: how old each feed's data may be, the freshness of every feed (and county, for feeds
-- loaded per municipality) as of any moment, and the stale-feed alerts already sent.

-- A replay of quarantined records (V011) is a batch of its own, tied to the batch it
-- replays; it is not a load of the feed, so freshness ignores it.
alter table audit.load_batch add column replay_of_batch_id bigint references audit.load_batch;
comment on column audit.load_batch.replay_of_batch_id is
    'Omprövning av karantän / set on a batch that replays the quarantined records of that batch';
create index load_batch_replay_of on audit.load_batch (replay_of_batch_id) where replay_of_batch_id is not null;

-- One row per feed, from include/reference/feed_freshness.toml (loaded by `vagled warehouse migrate`).
create table audit.feed_freshness_policy (
    feed         text primary key,
    dag_id       text not null,
    max_age      interval not null check (max_age > interval '0'),
    per_county   boolean not null default false,
    description  text not null default ''
);
comment on table audit.feed_freshness_policy is
    'Hur gammal ett flödes data får vara / how old each feed''s data may be before it is stale';

-- Stale feeds the freshness check has alerted on: it alerts again only after realert_after.
create table audit.freshness_alert (
    alert_id         bigint generated always as identity primary key,
    feed             text not null references audit.feed_freshness_policy on delete cascade,
    county_code      char(2),
    status           text not null check (status in ('stale', 'never_loaded')),
    last_success_at  timestamptz,
    checked_as_of    timestamptz not null,
    alerted_at       timestamptz not null default now(),
    channels         text[] not null default '{}'
);
create index freshness_alert_feed on audit.freshness_alert (feed, county_code, checked_as_of desc);

-- Freshness as of a moment: one row per declared feed, plus one per county for feeds loaded per
-- municipality (partition_key = municipality code). A part (municipality) is stale when its last
-- successful batch is older than the feed's max_age; a county or feed is as fresh as its stalest
-- part. Replays of quarantined rows are not loads of the feed and do not count.
-- security definer: analysts read mart.feed_freshness without any right on audit.
create function mart.feed_freshness_at(as_of timestamptz)
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
      and b.status <> 'running'
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

revoke all on function mart.feed_freshness_at(timestamptz) from public;
grant execute on function mart.feed_freshness_at(timestamptz) to analyst, vagled_loader;

-- What analysts and engineers read: every feed's freshness now.
create view mart.feed_freshness as
select
    feed,
    county_code,
    dag_id,
    max_age,
    last_success_at,
    last_batch_id,
    last_batch_status,
    rows_last_batch,
    quarantined_last,
    validation_pass_rate,
    parts,
    stale_parts,
    status
from mart.feed_freshness_at(now());
comment on view mart.feed_freshness is
    'Flödenas aktualitet / every feed''s freshness now: fresh, stale or never_loaded, with its last batch';
grant select on mart.feed_freshness to analyst, vagled_loader;
