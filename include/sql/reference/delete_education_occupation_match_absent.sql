-- A pairing taken out of the reference file is taken out of core too: the file is the whole table.
delete from core.education_occupation_match as m
where not exists (
    select
    from jsonb_to_recordset(%(rows)s::jsonb) as f (sun_field_code text, sun_level_code text, ssyk_code text)
    where (f.sun_field_code, f.sun_level_code, f.ssyk_code) = (m.sun_field_code, m.sun_level_code, m.ssyk_code)
)
