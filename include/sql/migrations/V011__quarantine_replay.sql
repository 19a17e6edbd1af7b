-- Replaying quarantined records after a fix to a suite or to reference data, with an audit trail.

-- A replay is a batch of its own (audit.load_batch.replay_of_batch_id, added by V010).

-- Who replayed what, when, against which suite, and what came of it.
create table audit.quarantine_replay (
    replay_batch_id    bigint primary key references audit.load_batch,
    source_batch_id    bigint not null references audit.load_batch,
    feed               text not null,
    replayed_by        text not null,
    note               text,
    suite              text not null,
    suite_sha256       char(64) not null,
    records_replayed   bigint not null check (records_replayed >= 0),
    loaded             bigint not null check (loaded >= 0),
    still_quarantined  bigint not null check (still_quarantined >= 0),
    duplicates         bigint not null check (duplicates >= 0),
    replayed_at        timestamptz not null default now(),
    check (records_replayed = loaded + still_quarantined + duplicates)
);
create index quarantine_replay_source on audit.quarantine_replay (source_batch_id);
comment on table audit.quarantine_replay is
    'Omprövningar av karantän / replays of quarantined records, with who, why and the outcome';

-- Open quarantine (not yet replayed) is what engineers list and the Data health page links to.
create index quarantine_record_open on quarantine.record (feed, batch_id) where replayed_batch_id is null;
