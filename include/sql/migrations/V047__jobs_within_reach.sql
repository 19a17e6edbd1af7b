-- Jobs within reach for people far from the labour market: per month, workplace municipality and
-- occupation, the ads that ask for no experience, no driving licence (nor an own car), and those
-- that offer part time or an apprenticeship (docs/skills.md, "Jobs within reach"). The
-- municipality's registered unemployed with a weak competitive position and those without work
-- for more than 12 months are set beside them from mart.jobseekers_monthly, on month and
-- municipality (docs/queries/07, the report), where a count that could be below 5 is never shown.
create materialized view mart.jobs_within_reach as
with ads as (
    select
        date_trunc('month', a.publication_date at time zone 'Europe/Stockholm')::date as month,
        a.county_code,
        a.municipality_code,
        a.ssyk4,
        coalesce(a.number_of_vacancies, 1) as vacancies,
        a.experience_required is false as no_experience,
        a.driving_license_required is false and a.access_to_own_car is not true as no_licence,
        a.working_hours_type = 'Deltid' as part_time,
        -- JobTech has no apprenticeship flag: an ad is one when its occupation or headline says so
        coalesce(a.occupation_label, '') ~* 'lärling' or coalesce(a.headline, '') ~* 'lärling' as apprenticeship
    from core.job_ad as a
    where a.publication_date is not null
)

select
    month,
    county_code,
    municipality_code,
    ssyk4,
    count(*)::integer as ads,
    sum(vacancies)::integer as vacancies,
    count(*) filter (where no_experience)::integer as ads_no_experience,
    count(*) filter (where no_licence)::integer as ads_no_driving_licence,
    count(*) filter (where part_time)::integer as ads_part_time,
    count(*) filter (where apprenticeship)::integer as ads_apprenticeship,
    count(*) filter (where no_experience and no_licence)::integer as ads_within_reach,
    coalesce(sum(vacancies) filter (where no_experience and no_licence), 0)::integer as vacancies_within_reach,
    count(*) filter (where no_experience and no_licence and (part_time or apprenticeship))::integer
        as ads_within_reach_part_time_or_apprenticeship
from ads
group by month, county_code, municipality_code, ssyk4
with no data;
create unique index jobs_within_reach_grain
    on mart.jobs_within_reach (county_code, month, municipality_code, ssyk4) nulls not distinct;
create index jobs_within_reach_municipality on mart.jobs_within_reach (municipality_code, month);

comment on materialized view mart.jobs_within_reach is
    'Jobb inom räckhåll för den som står långt från arbetsmarknaden: annonser utan krav på erfarenhet eller körkort, '
    'deltid eller lärlingsplats, per månad, kommun och yrke / jobs within reach for people far from the labour '
    'market: ads asking no experience nor driving licence, part time or apprenticeships, per month, municipality '
    'and occupation';
comment on column mart.jobs_within_reach.month is
    'Publiceringsmånad (svensk tid), första dagen / month of publication (Swedish time), first day';
comment on column mart.jobs_within_reach.county_code is 'Arbetsplatsens län / county of the workplace';
comment on column mart.jobs_within_reach.municipality_code is
    'Arbetsplatsens kommun; NULL när annonsen bara anger län / workplace municipality; NULL when only the county is named';
comment on column mart.jobs_within_reach.ssyk4 is
    'Yrke, SSYK 2012 fyrsiffrig; NULL om okänt / occupation, SSYK 2012 4-digit; NULL when unknown';
comment on column mart.jobs_within_reach.ads is 'Publicerade annonser / ads published';
comment on column mart.jobs_within_reach.vacancies is
    'Lediga jobb (annons utan antal räknas som 1) / vacancies (an ad without a number counts as 1)';
comment on column mart.jobs_within_reach.ads_no_experience is
    'Annonser där erfarenhet inte krävs (experience_required = false; okänt räknas inte) / '
    'ads stating that no experience is required (unknown is not counted)';
comment on column mart.jobs_within_reach.ads_no_driving_licence is
    'Annonser utan krav på körkort och utan krav på egen bil / ads requiring neither a driving licence nor an own car';
comment on column mart.jobs_within_reach.ads_part_time is 'Annonser på deltid / part-time ads';
comment on column mart.jobs_within_reach.ads_apprenticeship is
    'Annonser för lärlingar (yrke eller rubrik säger lärling) / apprenticeship ads (occupation or headline says so)';
comment on column mart.jobs_within_reach.ads_within_reach is
    'Annonser inom räckhåll: varken erfarenhet eller körkort/egen bil krävs / '
    'ads within reach: neither experience nor a driving licence or own car required';
comment on column mart.jobs_within_reach.vacancies_within_reach is
    'Lediga jobb i annonserna inom räckhåll / vacancies in the ads within reach';
comment on column mart.jobs_within_reach.ads_within_reach_part_time_or_apprenticeship is
    'Annonser inom räckhåll som också erbjuder deltid eller lärlingsplats / '
    'ads within reach that also offer part time or an apprenticeship';
