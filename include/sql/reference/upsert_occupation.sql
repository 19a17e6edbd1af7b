insert into core.occupation (ssyk_code, ssyk_level, label_sv, parent_code)
values (%(ssyk_code)s, %(level)s, %(label_sv)s, nullif(%(parent_code)s, ''))
on conflict (ssyk_code) do update
set ssyk_level = excluded.ssyk_level,
    label_sv = excluded.label_sv,
    parent_code = excluded.parent_code
where (core.occupation.ssyk_level, core.occupation.label_sv, core.occupation.parent_code)
      is distinct from (excluded.ssyk_level, excluded.label_sv, excluded.parent_code)
