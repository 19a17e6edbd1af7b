-- Study places per education field (SUN 2020, level 1) of intakes in the county starting in or after a year.
select
    coalesce(f.label_sv, l.field_level_1, 'Okänd inriktning') as field,
    sum(s.places)::integer as places,
    sum(s.offerings)::integer as offerings
from mart.education_supply as s
left join core.education_field_levels as l on l.sun_field_code = s.sun_field
left join core.education_field as f on f.sun_field_code = l.field_level_1
where s.county_code = %(county_code)s and s.year >= %(year)s
group by 1
order by places desc, field
