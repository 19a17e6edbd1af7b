-- Schemas of the warehouse and the roles that read or write them.
-- raw/staging/quarantine/audit are for engineers and the loader only; analysts read core and mart.

create schema if not exists raw;
create schema if not exists staging;
create schema if not exists quarantine;
create schema if not exists core;
create schema if not exists mart;
create schema if not exists audit;

-- Roles are cluster-wide: create them only when missing so a second database can share them.
do $roles$
begin
    if not exists (select from pg_roles where rolname = 'vagled_loader') then
        create role vagled_loader login;
    end if;
    if not exists (select from pg_roles where rolname = 'analyst') then
        create role analyst nologin;
    end if;
end
$roles$;

-- Nobody but the owner may create objects in public or read what is not granted.
revoke create on schema public from public;
revoke all on schema raw, staging, quarantine, audit from public;

grant usage on schema raw, staging, quarantine, core, mart, audit to vagled_loader;
grant usage on schema core, mart to analyst;

-- Whatever the migrating role creates later in core and mart is readable by analysts.
alter default privileges in schema core grant select on tables to analyst;
alter default privileges in schema mart grant select on tables to analyst;
alter default privileges in schema raw, staging, quarantine, core, mart, audit
    grant select, insert, update, delete on tables to vagled_loader;
alter default privileges in schema raw, staging, quarantine, core, mart, audit
    grant usage, select on sequences to vagled_loader;

-- One row per load of one feed for one period: every received record is accounted for.
create table audit.load_batch (
    batch_id        bigint generated always as identity primary key,
    feed            text not null,
    interval_start  timestamptz,
    interval_end    timestamptz,
    run_id          text,
    received        bigint not null default 0 check (received >= 0),
    loaded          bigint not null default 0 check (loaded >= 0),
    quarantined     bigint not null default 0 check (quarantined >= 0),
    duplicates      bigint not null default 0 check (duplicates >= 0),
    status          text not null default 'running'
                    check (status in ('running', 'succeeded', 'failed', 'rejected')),
    started_at      timestamptz not null default now(),
    finished_at     timestamptz,
    error           text,
    -- a finished batch must reconcile: nothing received is lost
    constraint load_batch_reconciles check (
        status <> 'succeeded' or received = loaded + quarantined + duplicates
    ),
    constraint load_batch_interval_ordered check (
        interval_start is null or interval_end is null or interval_start <= interval_end
    )
);
create index load_batch_feed_started on audit.load_batch (feed, started_at desc);

comment on table audit.load_batch is
    'En rad per laddning av ett flöde för en period / one row per load of one feed for one period';
comment on column audit.load_batch.received is 'Mottagna poster / records received from the source';
comment on column audit.load_batch.loaded is 'Publicerade till core / records published to core';
comment on column audit.load_batch.quarantined is 'Till karantän / records sent to quarantine';
comment on column audit.load_batch.duplicates is 'Dubbletter i leveransen / duplicate records in the batch';
