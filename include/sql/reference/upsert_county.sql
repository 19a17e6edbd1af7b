insert into core.county (county_code, county_name, in_area)
values (%(county_code)s, %(county_name)s, %(in_area)s)
on conflict (county_code) do update
set county_name = excluded.county_name,
    in_area = excluded.in_area
where (core.county.county_name, core.county.in_area)
      is distinct from (excluded.county_name, excluded.in_area)
