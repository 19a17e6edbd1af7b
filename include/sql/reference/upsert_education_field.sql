insert into core.education_field (sun_field_code, sun_level, label_sv, parent_code)
values (%(sun_field_code)s, %(level)s, %(label_sv)s, nullif(%(parent_code)s, ''))
on conflict (sun_field_code) do update
set sun_level = excluded.sun_level,
    label_sv = excluded.label_sv,
    parent_code = excluded.parent_code
where (core.education_field.sun_level, core.education_field.label_sv, core.education_field.parent_code)
      is distinct from (excluded.sun_level, excluded.label_sv, excluded.parent_code)
