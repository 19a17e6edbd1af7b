-- The codes one validated SCB transitions batch uses, with SCB's latest label and the configured
-- meaning; a code is matched on, its label only shown.
with codes as (
    select education_variable as variable_code, education_code as value_code, education_label as label,
        education_meaning as meaning, record_no
    from passing_batch
    union all
    select 'BakgrVar', background_code, background_label, background_meaning, record_no
    from passing_batch
    where background_code is not null
),

latest as (
    select distinct on (variable_code, value_code) variable_code, value_code, label, meaning
    from codes
    order by variable_code, value_code, record_no desc
)

insert into core.scb_code as c (variable_code, value_code, label, meaning)
select variable_code, value_code, coalesce(label, value_code), meaning
from latest
on conflict (variable_code, value_code) do update
set label = excluded.label,
    meaning = excluded.meaning
where (c.label, c.meaning) is distinct from (excluded.label, excluded.meaning)
