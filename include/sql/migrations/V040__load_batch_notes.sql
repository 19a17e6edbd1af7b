-- What a batch found missing at its source without failing: e.g. a year a statistics table has not
-- published yet ("2025 not published in TAB638"). Reported, never skipped in silence.
alter table audit.load_batch add column notes text;
comment on column audit.load_batch.notes is
    'Vad källan ännu saknade (t.ex. ett år som inte publicerats) / what the source did not have yet '
    '(e.g. a year not published), reported instead of skipped in silence';
