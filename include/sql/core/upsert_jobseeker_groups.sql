-- The groups a staged batch of job-seeker cells names (dimension:label as published).
with named as (
    select distinct dimension || ':' || group_label as group_code, dimension, group_label as label_sv
    from passing_batch
    where group_label is not null
    union
    -- the age cache's sexes give the sex groups
    select distinct 'sex:' || s.sex, 'sex', s.sex
    from staging.jobseeker_cell as s
    where s.batch_id = %(batch_id)s and s.field = 'ALDGR' and s.sex is not null
)

insert into core.jobseeker_group as g (group_code, dimension, label_sv)
select group_code, dimension, label_sv
from named
on conflict (group_code) do nothing
