-- The one load path: raw landing, quarantine, validation results and watermarks.

-- Every payload as received (a page of an API answer or a slice of a file), immutable.
create table raw.landed_payload (
    payload_id      bigint generated always as identity primary key,
    batch_id        bigint not null references audit.load_batch,
    feed            text not null,
    part_no         integer not null check (part_no >= 0),
    source_url      text not null,
    request_params  jsonb not null default '{}',
    fetched_at      timestamptz not null default now(),
    content_type    text,
    sha256          char(64) not null,
    byte_size       integer not null check (byte_size >= 0),
    body            bytea not null,
    unique (batch_id, part_no)
);
create index landed_payload_feed_sha on raw.landed_payload (feed, sha256);
comment on table raw.landed_payload is
    'Mottagna svar, oförändrade / payloads as received, never changed; engineers only';

create function raw.refuse_change() returns trigger language plpgsql as $fn$
begin
    raise exception 'raw.landed_payload is immutable: % refused', tg_op
        using errcode = 'insufficient_privilege';
end
$fn$;

create trigger landed_payload_immutable
    before update or delete on raw.landed_payload
    for each row execute function raw.refuse_change();

-- Rejected records with the failed expectation(s); the record itself is kept (personal data masked).
create table quarantine.record (
    batch_id        bigint not null references audit.load_batch,
    record_no       integer not null,
    feed            text not null,
    natural_key     text,
    reasons         jsonb not null check (jsonb_typeof(reasons) = 'array' and jsonb_array_length(reasons) > 0),
    record          jsonb,
    quarantined_at  timestamptz not null default now(),
    replayed_batch_id bigint references audit.load_batch,
    primary key (batch_id, record_no)
);
create index quarantine_record_feed on quarantine.record (feed, quarantined_at desc);
comment on table quarantine.record is
    'Poster i karantän med skäl / quarantined records with the failed expectations';

-- One row per validation of a staged batch (GX result summary).
create table audit.validation_result (
    batch_id        bigint not null references audit.load_batch,
    suite           text not null,
    success         boolean not null,
    rows_validated  bigint not null,
    rows_failed     bigint not null,
    statistics      jsonb not null,
    summary         jsonb not null,
    validated_at    timestamptz not null default now(),
    primary key (batch_id, suite)
);

-- The newest change time loaded per incremental feed.
create table audit.feed_watermark (
    feed        text primary key,
    watermark   timestamptz not null,
    batch_id    bigint not null references audit.load_batch,
    updated_at  timestamptz not null default now()
);

-- National files hold every county: records outside the area are counted, not loaded.
alter table audit.load_batch add column out_of_area bigint not null default 0 check (out_of_area >= 0);
alter table audit.load_batch add column suite text;
comment on column audit.load_batch.out_of_area is
    'Poster utanför området, ej laddade / records of other counties, counted and skipped (not part of received)';
