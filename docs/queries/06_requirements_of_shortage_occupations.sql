-- Vad kräver arbetsgivarna i de yrken där efterfrågan är större än utbildningsutbudet?
-- What do employers require in the occupations in shortage (demand above education supply) in my county?
-- Shortage: the occupation's gap index is above 0 in the newest year with vacancies in mart.competence_gap (README,
-- "Competence gap"). Requirements: the skills the ads of the last 12 months require (must_have) or
-- merit (nice_to_have), and how many of the occupation's ads mention each.
-- Change: the county code ('03' = Uppsala län).
with shortage as (
    select g.ssyk4, g.vacancies, g.gap_index
    from mart.competence_gap as g
    where g.county_code = '03' and g.gap_index > 0
      and g.period = (select max(period) from mart.competence_gap where county_code = '03' and vacancies > 0)
),

recent as (
    select *
    from mart.skill_demand_monthly
    where county_code = '03' and area_level = 'county'
      -- the county's newest month: read from the grain index (county first), not a scan of every county
      and month > (select max(month) from mart.skill_demand_monthly where county_code = '03') - interval '12 months'
),

per_skill as (
    select
        r.ssyk4,
        r.skill_label,
        sum(r.ads_mentioning) as ads_mentioning,
        sum(r.ads_required) as ads_required,
        sum(r.ads_merited) as ads_merited,
        row_number() over (partition by r.ssyk4 order by sum(r.ads_required) desc, sum(r.ads_mentioning) desc)
            as place
    from recent as r
    inner join shortage as s using (ssyk4)
    group by r.ssyk4, r.skill_label
)

select
    p.ssyk4,
    o.label_sv as occupation,
    s.gap_index,
    p.place,
    p.skill_label,
    p.ads_required,
    p.ads_merited,
    p.ads_mentioning
from per_skill as p
inner join shortage as s using (ssyk4)
left join core.occupation as o on o.ssyk_code = p.ssyk4
where p.place <= 5
order by s.vacancies desc, p.ssyk4, p.place;
