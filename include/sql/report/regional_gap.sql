-- Demand against education supply for the county's occupations with the most vacancies in a
-- year, with the barometer's recruitment situation and the unemployed of the occupational area.
select
    g.ssyk4,
    coalesce(o.label_sv, g.ssyk4) as occupation,
    g.vacancies,
    g.education_places_matched,
    g.recruitment_situation,
    g.gap_index,
    g.outlook_mapping,
    g.occupational_area,
    g.unemployed_occupational_area
from mart.competence_gap as g
left join core.occupation as o on o.ssyk_code = g.ssyk4
where g.county_code = %(county_code)s and g.period = %(year)s and g.gap_index is not null
order by g.vacancies desc, g.education_places_matched desc, g.ssyk4
limit %(top)s
