-- Var är efterfrågan större än utbildningsutbudet?
-- Where is demand higher than education supply? (gap_index above 0; the method is in the README)
-- Change: the year (2026); add "and g.county_code = '18'" for one county.
select
    g.county_code,
    c.county_name,
    g.ssyk4,
    o.label_sv as occupation,
    g.vacancies,
    g.education_places_matched,
    g.recruitment_situation,
    g.unemployed_occupational_area,
    g.gap_index
from mart.competence_gap as g
inner join core.county as c on c.county_code = g.county_code
left join core.occupation as o on o.ssyk_code = g.ssyk4
where g.period = 2026 and g.gap_index > 0
order by g.vacancies - g.education_places_matched desc
limit 50;
