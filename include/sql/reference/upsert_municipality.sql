insert into core.municipality (municipality_code, municipality_name, county_code, in_area)
values (%(municipality_code)s, %(municipality_name)s, %(county_code)s, %(in_area)s)
on conflict (municipality_code) do update
set municipality_name = excluded.municipality_name,
    county_code = excluded.county_code,
    in_area = excluded.in_area
where (core.municipality.municipality_name, core.municipality.county_code, core.municipality.in_area)
      is distinct from (excluded.municipality_name, excluded.county_code, excluded.in_area)
