-- Merge one validated batch (one municipality's Komvux file(s)); the last record per key wins.
insert into core.adult_education_enrolment as e
    (month, municipality_code, course_code, course_name, study_form, participants, women, pace_percent, last_batch_id)
select month, municipality_code, course_code, course_name, study_form, participants, women, pace_percent, batch_id
from passing_batch
on conflict (month, municipality_code, course_code) do update
set course_name = excluded.course_name,
    study_form = excluded.study_form,
    participants = excluded.participants,
    women = excluded.women,
    pace_percent = excluded.pace_percent,
    last_batch_id = excluded.last_batch_id
where (e.course_name, e.study_form, e.participants, e.women, e.pace_percent)
    is distinct from (excluded.course_name, excluded.study_form, excluded.participants, excluded.women, excluded.pace_percent)
