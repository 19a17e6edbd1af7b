insert into core.education_level (sun_level_code, label_sv, isced_2011)
values (%(sun_level_code)s, %(label_sv)s, nullif(%(isced_2011)s, ''))
on conflict (sun_level_code) do update
set label_sv = excluded.label_sv,
    isced_2011 = excluded.isced_2011
where (core.education_level.label_sv, core.education_level.isced_2011)
      is distinct from (excluded.label_sv, excluded.isced_2011)
