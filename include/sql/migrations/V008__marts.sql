-- Marts: what the regions' analysts query. Materialized views refreshed CONCURRENTLY by the
-- warehouse_marts DAG (vagled.marts), so readers keep the old state until the new one commits.
-- Each has a unique index on its grain: REFRESH ... CONCURRENTLY needs one, and it is the
-- index a typical query (one county, one period, by occupation) uses.

-- Job ads published per month, workplace and occupation ------------------------------------------
create materialized view mart.job_ads_monthly as
select
    date_trunc('month', a.publication_date at time zone 'Europe/Stockholm')::date as month,
    a.county_code,
    a.municipality_code,
    a.ssyk4,
    count(*)::integer as ads,
    -- an ad that states no number still offers a job
    sum(coalesce(a.number_of_vacancies, 1))::integer as vacancies
from core.job_ad as a
where a.publication_date is not null
group by 1, 2, 3, 4
with no data;
create unique index job_ads_monthly_grain
    on mart.job_ads_monthly (county_code, month, ssyk4, municipality_code) nulls not distinct;
create index job_ads_monthly_municipality on mart.job_ads_monthly (municipality_code, month);

comment on materialized view mart.job_ads_monthly is
    'Publicerade platsannonser och lediga jobb per månad, arbetsplatskommun och yrke / '
    'job ads published and vacancies per month, workplace municipality and occupation';
comment on column mart.job_ads_monthly.month is
    'Publiceringsmånad (svensk tid), första dagen / month of publication (Swedish time), first day';
comment on column mart.job_ads_monthly.county_code is 'Arbetsplatsens län / county of the workplace';
comment on column mart.job_ads_monthly.municipality_code is
    'Arbetsplatsens kommun; NULL när annonsen bara anger län / workplace municipality; NULL when the ad names only the county';
comment on column mart.job_ads_monthly.ssyk4 is
    'Yrke, SSYK 2012 fyrsiffrig; NULL om okänt / occupation, SSYK 2012 4-digit; NULL when unknown';
comment on column mart.job_ads_monthly.ads is 'Antal publicerade annonser / number of ads published';
comment on column mart.job_ads_monthly.vacancies is
    'Antal lediga jobb (annons utan antal räknas som 1) / vacancies (an ad without a number counts as 1)';

-- Registered job seekers per month, municipality and group, small counts suppressed ------------
create materialized view mart.jobseekers_monthly as
select
    j.month,
    m.county_code,
    j.municipality_code,
    j.group_code,
    -- counts below 5 could point at persons: never shown
    case when j.jobseekers >= 5 then j.jobseekers end as jobseekers,
    j.jobseekers < 5 as suppressed
from core.jobseekers_monthly as j
inner join core.municipality as m on m.municipality_code = j.municipality_code
with no data;
create unique index jobseekers_monthly_grain on mart.jobseekers_monthly (municipality_code, month, group_code);
create index jobseekers_monthly_county on mart.jobseekers_monthly (county_code, month);

comment on materialized view mart.jobseekers_monthly is
    'Inskrivna arbetssökande per månad, kommun och grupp; antal under 5 visas inte / '
    'registered job seekers per month, municipality and group; counts below 5 are suppressed';
comment on column mart.jobseekers_monthly.month is 'Månad, första dagen / month, first day';
comment on column mart.jobseekers_monthly.county_code is 'Län / county';
comment on column mart.jobseekers_monthly.municipality_code is 'Kommun / municipality';
comment on column mart.jobseekers_monthly.group_code is
    'Grupp av arbetssökande (core.jobseeker_group) / group of job seekers (core.jobseeker_group)';
comment on column mart.jobseekers_monthly.jobseekers is
    'Antal arbetssökande; NULL när antalet är under 5 / number of job seekers; NULL when below 5';
comment on column mart.jobseekers_monthly.suppressed is
    'Sant när antalet är under 5 och därför dolt / true when the count is below 5 and therefore hidden';

-- Education offered per year, place, field, level and kind of provider ----------------------------
create materialized view mart.education_supply as
select
    extract(year from o.start_date)::smallint as year,
    m.county_code,
    o.municipality_code,
    o.sun_field_code as sun_field,
    o.education_level,
    p.provider_type,
    count(*)::integer as offerings,
    coalesce(sum(o.places), 0)::integer as places
from core.education_offering as o
inner join core.education_provider as p on p.provider_id = o.provider_id
inner join core.municipality as m on m.municipality_code = o.municipality_code
-- an intake delisted before it started was withdrawn, not offered
where o.closed_on is null or o.closed_on > o.start_date
group by 1, 2, 3, 4, 5, 6
with no data;
create unique index education_supply_grain
    on mart.education_supply (county_code, year, sun_field, education_level, provider_type, municipality_code);

comment on materialized view mart.education_supply is
    'Utbildningsutbud per startår, kommun, inriktning, nivå och typ av anordnare / '
    'education supply per year of start, municipality, field, level and kind of provider';
comment on column mart.education_supply.year is 'Startår för tillfället / year the intake starts';
comment on column mart.education_supply.county_code is 'Län / county';
comment on column mart.education_supply.municipality_code is 'Kommun där utbildningen ges / municipality where it is given';
comment on column mart.education_supply.sun_field is
    'Utbildningsinriktning SUN 2020 (core.education_field_levels ger alla nivåer) / education field, SUN 2020';
comment on column mart.education_supply.education_level is 'Utbildningsnivå SUN 2020 / education level, SUN 2020';
comment on column mart.education_supply.provider_type is
    'Typ av anordnare (gymnasieskola, komvux, yrkeshögskola, folkhögskola, universitet) / kind of provider';
comment on column mart.education_supply.offerings is
    'Antal utbildningstillfällen (ej återkallade före start) / intakes offered (not withdrawn before they start)';
comment on column mart.education_supply.places is
    'Antal platser (där anordnaren anger dem) / study places, where the provider states them';

-- Municipality key figures per year -----------------------------------------------------------------
create materialized view mart.municipality_profile as
select
    k.year,
    m.county_code,
    k.municipality_code,
    k.indicator_code as indicator,
    i.title as indicator_title,
    i.unit,
    k.gender,
    k.value,
    k.status
from core.municipality_key_figure as k
inner join core.key_figure_indicator as i on i.indicator_code = k.indicator_code
inner join core.municipality as m on m.municipality_code = k.municipality_code
where k.month = 0
with no data;
create unique index municipality_profile_grain
    on mart.municipality_profile (municipality_code, year, indicator, gender);
create index municipality_profile_county on mart.municipality_profile (county_code, year);

comment on materialized view mart.municipality_profile is
    'Nyckeltal per kommun och år (Kolada, SCB) / yearly key figures per municipality (Kolada, SCB)';
comment on column mart.municipality_profile.year is 'År / year';
comment on column mart.municipality_profile.county_code is 'Län / county';
comment on column mart.municipality_profile.municipality_code is 'Kommun / municipality';
comment on column mart.municipality_profile.indicator is
    'Nyckeltalets kod (core.key_figure_indicator) / indicator code (core.key_figure_indicator)';
comment on column mart.municipality_profile.indicator_title is 'Nyckeltalets namn / indicator title';
comment on column mart.municipality_profile.unit is 'Enhet: count eller percent / unit: count or percent';
comment on column mart.municipality_profile.gender is 'Kön: T totalt, K kvinnor, M män / gender: T total, K women, M men';
comment on column mart.municipality_profile.value is 'Värde; NULL när källan saknar det / value; NULL when the source has none';
comment on column mart.municipality_profile.status is
    'Källans skäl när värdet saknas (Saknas, Sekretess, ..) / the source''s reason when the value is missing';

-- Demand against supply per year, county and occupation --------------------------------------------
-- Method (README, "Competence gap"): demand is the vacancies of ads published in the year;
-- supply is the study places of intakes starting in the year whose SUN field (level 3) and level
-- match the occupation in core.education_occupation_match. An intake matching several
-- occupations shares its places between them, 'helt' weighing 1 and 'delvis' 0.5, so each place
-- is counted once. gap_index = (vacancies - places) / (vacancies + places), from -1 (only
-- supply) to 1 (only demand).
create materialized view mart.competence_gap as
with demand as (
    select
        extract(year from a.publication_date at time zone 'Europe/Stockholm')::smallint as period,
        a.county_code,
        a.ssyk4,
        sum(coalesce(a.number_of_vacancies, 1))::integer as vacancies
    from core.job_ad as a
    where a.publication_date is not null and a.ssyk4 is not null
    group by 1, 2, 3
),

intakes as (
    select
        o.offering_id,
        extract(year from o.start_date)::smallint as period,
        m.county_code,
        coalesce(o.places, 0) as places,
        mt.ssyk_code,
        case mt.match_grade when 'helt' then 1.0 else 0.5 end as weight
    from core.education_offering as o
    inner join core.municipality as m on m.municipality_code = o.municipality_code
    inner join core.education_field_levels as f on f.sun_field_code = o.sun_field_code
    inner join core.education_occupation_match as mt
        on mt.sun_field_code = f.field_level_3 and mt.sun_level_code = o.education_level
    where o.closed_on is null or o.closed_on > o.start_date
),

supply as (
    select
        period,
        county_code,
        ssyk_code as ssyk4,
        sum(places * weight / sum_weight) as places
    from (
        select intakes.*, sum(weight) over (partition by offering_id) as sum_weight from intakes
    ) as shared
    group by 1, 2, 3
),

outlook as (
    select distinct on (year, county_code, ssyk4)
        year as period,
        county_code,
        ssyk4,
        shortage_index
    from core.occupational_outlook
    order by year, county_code, ssyk4, half desc
),

grain as (
    select period, county_code, ssyk4 from demand
    union
    select period, county_code, ssyk4 from supply
    union
    select period, county_code, ssyk4 from outlook
)

select
    g.period,
    g.county_code,
    g.ssyk4,
    coalesce(d.vacancies, 0) as vacancies,
    -- the employment agency's statistics give job seekers per group, not per occupation
    null::integer as jobseekers_matched,
    round(coalesce(s.places, 0), 1) as education_places_matched,
    o.shortage_index as outlook_shortage,
    round(
        (coalesce(d.vacancies, 0) - coalesce(s.places, 0))
        / nullif(coalesce(d.vacancies, 0) + coalesce(s.places, 0), 0),
        3
    ) as gap_index
from grain as g
left join demand as d using (period, county_code, ssyk4)
left join supply as s using (period, county_code, ssyk4)
left join outlook as o using (period, county_code, ssyk4)
with no data;
create unique index competence_gap_grain on mart.competence_gap (county_code, period, ssyk4);
create index competence_gap_ssyk on mart.competence_gap (ssyk4, period);

comment on materialized view mart.competence_gap is
    'Efterfrågan mot utbud per år, län och yrke (metod i README) / '
    'demand against supply per year, county and occupation (method in the README)';
comment on column mart.competence_gap.period is 'Kalenderår / calendar year';
comment on column mart.competence_gap.county_code is 'Län / county';
comment on column mart.competence_gap.ssyk4 is 'Yrke, SSYK 2012 fyrsiffrig / occupation, SSYK 2012 4-digit';
comment on column mart.competence_gap.vacancies is
    'Lediga jobb i annonser publicerade under året / vacancies in ads published in the year';
comment on column mart.competence_gap.jobseekers_matched is
    'Arbetssökande med yrket som mål, där det är känt (ännu inte i källorna: NULL) / '
    'job seekers seeking the occupation, where known (not in the sources yet: NULL)';
comment on column mart.competence_gap.education_places_matched is
    'Studieplatser med start under året som leder till yrket (matchningstabellen, delade) / '
    'study places starting in the year that lead to the occupation (matching table, shared)';
comment on column mart.competence_gap.outlook_shortage is
    'Yrkesbarometerns bristindex (1 överskott - 5 stor brist), årets senaste halvår / '
    'occupational outlook shortage index (1 surplus - 5 large shortage), latest half of the year';
comment on column mart.competence_gap.gap_index is
    '(lediga jobb - platser) / (lediga jobb + platser): över 0 = efterfrågan större än utbudet / '
    '(vacancies - places) / (vacancies + places): above 0 = demand exceeds education supply';
