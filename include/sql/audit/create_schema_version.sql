-- The record of applied migrations; created before the first migration runs.
create schema if not exists audit;

create table if not exists audit.schema_version (
    version     integer primary key,
    name        text not null,
    checksum    text not null,
    applied_at  timestamptz not null default now()
);
