-- Vilka utbildningsinriktningar försörjer bristyrkena?
-- Which education fields supply the occupations in shortage? (the barometer's recruitment
-- situation 'brist' in the year's latest round)
-- Change: the county ('03'), the year of the outlook (2026) and of the intakes (from 2026).
with shortage as (
    select ssyk4, recruitment_situation
    from mart.competence_gap
    where county_code = '03' and period = 2026 and recruitment_situation = 'brist'
)

select
    s.ssyk4,
    o.label_sv as occupation,
    s.recruitment_situation,
    m.sun_field_code as education_field,
    f.label_sv as education_field_label,
    m.sun_level_code as education_level,
    m.match_grade,
    coalesce(sum(e.places), 0) as places_from_2026,
    coalesce(sum(e.offerings), 0) as offerings_from_2026
from shortage as s
inner join core.education_occupation_match as m on m.ssyk_code = s.ssyk4
left join core.occupation as o on o.ssyk_code = s.ssyk4
left join core.education_field as f on f.sun_field_code = m.sun_field_code
left join core.education_field_levels as l on l.field_level_3 = m.sun_field_code
left join mart.education_supply as e
    on e.sun_field = l.sun_field_code
    and e.education_level = m.sun_level_code
    and e.county_code = '03'
    and e.year >= 2026
group by s.ssyk4, o.label_sv, s.recruitment_situation, m.sun_field_code, f.label_sv, m.sun_level_code, m.match_grade
order by s.ssyk4, places_from_2026 desc;
