-- The indicators of one validated key-figure batch, as configured (title, unit, source): upserted
-- before the facts that reference them; an unchanged indicator is not rewritten.
with indicators as (
    select distinct on (indicator_code)
        indicator_code, source, source_ref, title, unit, frequency, batch_id
    from passing_batch
    order by indicator_code, record_no desc
)

insert into core.key_figure_indicator as i
    (indicator_code, source, source_ref, title, unit, frequency, last_batch_id)
select indicator_code, source, source_ref, title, unit, frequency, batch_id
from indicators
on conflict (indicator_code) do update
set source = excluded.source,
    source_ref = excluded.source_ref,
    title = excluded.title,
    unit = excluded.unit,
    frequency = excluded.frequency,
    last_batch_id = excluded.last_batch_id
where (i.source, i.source_ref, i.title, i.unit, i.frequency)
    is distinct from (excluded.source, excluded.source_ref, excluded.title, excluded.unit, excluded.frequency)
