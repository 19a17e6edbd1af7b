-- After V048 (education transitions) and V050 (SCB transitions), whose tables it reads.
-- The link from the competence gap to education: for each shortage occupation of a county (the
-- yrkesbarometer's recruitment situation 'brist' in mart.competence_gap), the upper-secondary
-- programmes that lead to it and how their students in the county establish themselves.
-- A programme leads to an occupation through its SUN 2020 field (core.upper_secondary_programme,
-- only where a source states it) and the SUN -> SSYK matching table at the upper-secondary level
-- (sun_level_code 3). A programme without a sourced SUN field leads nowhere here: it is never guessed.
create materialized view mart.shortage_programme_transitions as
with shortage as (
    select g.period, g.county_code, g.ssyk4, g.recruitment_situation, g.vacancies
    from mart.competence_gap as g
    where g.recruitment_situation = 'brist'
),

leads_to as (
    select distinct on (p.programme_code, mt.ssyk_code)
        p.programme_code,
        p.programme_name,
        p.sun_field_code,
        p.sun_field_source,
        mt.ssyk_code,
        mt.match_grade
    from core.upper_secondary_programme as p
    inner join core.education_field_levels as f on f.sun_field_code = p.sun_field_code
    inner join core.education_occupation_match as mt
        on mt.sun_field_code in (f.field_level_3, f.field_level_4) and mt.sun_level_code = '3'
    where p.sun_field_code is not null and p.programme_type <> 'aggregate'
    order by p.programme_code, mt.ssyk_code, (mt.match_grade = 'helt') desc
),

newest as (
    -- the newest cohort of each programme in each county, all school owners
    select t.county_code, t.programme_code, max(t.cohort_year) as cohort_year
    from core.education_transition as t
    where t.region_level = 'county' and t.owner_type = 'samtliga'
    group by 1, 2
),

transitions as (
    select
        t.county_code,
        t.programme_code,
        t.cohort_year,
        min(t.cohort) as cohort,
        min(t.graduates) as graduates,
        max(t.share_established) filter (where t.years_after = 1) as established_1_year,
        max(t.share_established) filter (where t.years_after = 3) as established_3_years,
        max(t.share_established) filter (where t.years_after = 5) as established_5_years,
        max(t.share_studying) filter (where t.years_after = 1) as studying_1_year
    from core.education_transition as t
    inner join newest as n using (county_code, programme_code, cohort_year)
    where t.region_level = 'county' and t.owner_type = 'samtliga'
    group by 1, 2, 3
),

local_programmes as (
    -- municipalities of the county whose newest cohort of the programme had graduates
    select t.county_code, t.programme_code, count(distinct t.municipality_code)::integer as municipalities
    from core.education_transition as t
    inner join newest as n using (county_code, programme_code, cohort_year)
    where t.region_level = 'municipality' and t.owner_type = 'samtliga' and t.years_after = 1
      and t.graduates > 0
    group by 1, 2
)

select
    s.period,
    s.county_code,
    s.ssyk4,
    o.label_sv as occupation_label,
    s.recruitment_situation,
    s.vacancies,
    l.programme_code,
    l.programme_name,
    l.sun_field_code,
    l.sun_field_source,
    l.match_grade,
    t.cohort,
    t.graduates,
    t.established_1_year,
    t.established_3_years,
    t.established_5_years,
    t.studying_1_year,
    coalesce(lp.municipalities, 0) as municipalities_with_graduates
from shortage as s
inner join leads_to as l on l.ssyk_code = s.ssyk4
inner join transitions as t on t.county_code = s.county_code and t.programme_code = l.programme_code
left join core.occupation as o on o.ssyk_code = s.ssyk4
left join local_programmes as lp on lp.county_code = s.county_code and lp.programme_code = l.programme_code
with no data;
create unique index shortage_programme_transitions_grain
    on mart.shortage_programme_transitions (county_code, period, ssyk4, programme_code);
comment on materialized view mart.shortage_programme_transitions is
    'Bristyrken per län med gymnasieprogrammen som leder dit (via programmets SUN 2020-inriktning, endast med källa) '
    'och hur deras elever etablerar sig / shortage occupations per county with the upper-secondary programmes '
    'leading to them (through the programme''s sourced SUN 2020 field) and how their students establish themselves';
comment on column mart.shortage_programme_transitions.period is
    'År för kompetensgapet (yrkesbarometerns omgång) / year of the competence gap';
comment on column mart.shortage_programme_transitions.county_code is 'Län / county';
comment on column mart.shortage_programme_transitions.ssyk4 is 'Bristyrke, SSYK 2012 / shortage occupation, SSYK 2012';
comment on column mart.shortage_programme_transitions.occupation_label is 'Yrkets namn / occupation name';
comment on column mart.shortage_programme_transitions.recruitment_situation is
    'Yrkesbarometerns rekryteringssituation (brist) / the barometer''s recruitment situation';
comment on column mart.shortage_programme_transitions.vacancies is
    'Lediga jobb i annonser under året / vacancies in the year''s ads';
comment on column mart.shortage_programme_transitions.programme_code is 'Gymnasieprogram / upper-secondary programme';
comment on column mart.shortage_programme_transitions.programme_name is 'Programmets namn / programme name';
comment on column mart.shortage_programme_transitions.sun_field_code is
    'Programmets SUN 2020-inriktning / the programme''s SUN 2020 field';
comment on column mart.shortage_programme_transitions.sun_field_source is
    'Källan till SUN-inriktningen / the source of the SUN field';
comment on column mart.shortage_programme_transitions.match_grade is
    'helt eller delvis (matchningstabellen) / full or partial match (matching table)';
comment on column mart.shortage_programme_transitions.cohort is 'Nyaste avgångskullen i länet / newest cohort';
comment on column mart.shortage_programme_transitions.graduates is 'Antal i kullen i länet / graduates in the county';
comment on column mart.shortage_programme_transitions.established_1_year is
    'Andel (%) etablerade 1 år efter examen / share established 1 year after';
comment on column mart.shortage_programme_transitions.established_3_years is
    'Andel (%) etablerade 3 år efter examen / share established 3 years after';
comment on column mart.shortage_programme_transitions.established_5_years is
    'Andel (%) etablerade 5 år efter examen / share established 5 years after';
comment on column mart.shortage_programme_transitions.studying_1_year is
    'Andel (%) studerande 1 år efter examen / share studying 1 year after';
comment on column mart.shortage_programme_transitions.municipalities_with_graduates is
    'Kommuner i länet där kullen hade elever med examen / municipalities of the county with graduates';
