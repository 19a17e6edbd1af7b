-- Merge one validated batch (one municipality's Komvux file(s)); the last record per key wins.
with passing as (
    select s.*
    from staging.adult_education_enrolment as s
    where s.batch_id = %(batch_id)s
      and not exists (
          select from quarantine.record as q
          where q.batch_id = s.batch_id and q.record_no = s.record_no
      )
),

latest as (
    select distinct on (month, municipality_code, course_code) *
    from passing
    order by month, municipality_code, course_code, record_no desc
)

insert into core.adult_education_enrolment as e
    (month, municipality_code, course_code, course_name, study_form, participants, women, pace_percent, last_batch_id)
select month, municipality_code, course_code, course_name, study_form, participants, women, pace_percent, batch_id
from latest
on conflict (month, municipality_code, course_code) do update
set course_name = excluded.course_name,
    study_form = excluded.study_form,
    participants = excluded.participants,
    women = excluded.women,
    pace_percent = excluded.pace_percent,
    last_batch_id = excluded.last_batch_id
where (e.course_name, e.study_form, e.participants, e.women, e.pace_percent)
    is distinct from (excluded.course_name, excluded.study_form, excluded.participants, excluded.women, excluded.pace_percent)
