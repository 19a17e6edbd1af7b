insert into core.upper_secondary_programme
    (programme_code, programme_name, programme_type, sheet_aliases, sun_field_code, sun_field_source)
values (
    %(programme_code)s, %(programme_name)s, %(programme_type)s, %(sheet_aliases)s,
    nullif(%(sun_field_code)s, ''), nullif(%(sun_field_source)s, '')
)
on conflict (programme_code) do update
set programme_name = excluded.programme_name,
    programme_type = excluded.programme_type,
    sheet_aliases = excluded.sheet_aliases,
    sun_field_code = excluded.sun_field_code,
    sun_field_source = excluded.sun_field_source
where (
    core.upper_secondary_programme.programme_name, core.upper_secondary_programme.programme_type,
    core.upper_secondary_programme.sheet_aliases, core.upper_secondary_programme.sun_field_code,
    core.upper_secondary_programme.sun_field_source
) is distinct from (
    excluded.programme_name, excluded.programme_type, excluded.sheet_aliases, excluded.sun_field_code,
    excluded.sun_field_source
)
