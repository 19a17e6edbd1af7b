insert into core.education_occupation_match (sun_field_code, sun_level_code, ssyk_code, match_grade)
values (%(sun_field_code)s, %(sun_level_code)s, %(ssyk_code)s, %(match_grade)s)
on conflict (sun_field_code, sun_level_code, ssyk_code) do update
set match_grade = excluded.match_grade
where core.education_occupation_match.match_grade is distinct from excluded.match_grade
