-- Job seekers and the occupational outlook as Arbetsförmedlingen really publishes them
-- (docs/upstreams/arbetsformedlingen.md): workbooks of count cells with names for places and `<5`
-- for small counts; the yrkesbarometer as one file of the current round with categorical
-- assessments. The earlier tables were built to formats that do not exist and are replaced.

drop materialized view mart.competence_gap;
drop materialized view mart.jobseekers_monthly;
drop table core.jobseekers_monthly;
drop table staging.jobseekers_monthly;
drop table core.occupational_outlook;
drop table staging.occupational_outlook;

-- Groups: the real dimensions; rows are added as the workbooks name them (upsert_jobseeker_groups).
delete from core.jobseeker_group;
alter table core.jobseeker_group alter column label_en drop not null;
alter table core.jobseeker_group add column dimension text not null default 'total';
alter table core.jobseeker_group alter column dimension drop default;
insert into core.jobseeker_group (group_code, dimension, label_sv, label_en) values
    ('total', 'total', 'Inskrivna arbetslösa totalt', 'All registered unemployed'),
    ('without_work_6m', 'without_work_6m', 'Utan arbete mer än 6 månader', 'Without work more than 6 months'),
    ('without_work_12m', 'without_work_12m', 'Utan arbete mer än 12 månader', 'Without work more than 12 months'),
    ('without_work_24m', 'without_work_24m', 'Utan arbete mer än 24 månader', 'Without work more than 24 months'),
    ('weak_position', 'weak_position', 'Svag konkurrensförmåga', 'Weak competitive position'),
    ('labour_force', 'labour_force', 'Registerbaserad arbetskraft (bas)', 'Labour force (the rates'' base)'),
    ('labour_force_women', 'labour_force', 'Arbetskraft, kvinnor', 'Labour force, women'),
    ('labour_force_men', 'labour_force', 'Arbetskraft, män', 'Labour force, men'),
    ('labour_force_18_24', 'labour_force', 'Arbetskraft, 18-24 år', 'Labour force, aged 18-24');
comment on table core.jobseeker_group is
    'Grupper av inskrivna arbetslösa enligt arbetsförmedlingens dimensioner / groups of registered unemployed, '
    'as the agency''s dimensions name them (group_code = dimension or dimension:label as published)';
comment on column core.jobseeker_group.dimension is
    'total, sex, age, birth, education, without_work_6m/12m/24m, weak_position (svag konkurrensförmåga, '
    'som omfattar funktionsnedsättning med nedsatt arbetsförmåga: något eget antal per kommun för '
    'funktionsnedsättning publiceras inte / includes a disability that reduces work capacity: no '
    'per-municipality disability count of its own is published), occupational_area (yrkesområde), '
    'labour_force (the denominator of rates)';

create unlogged table staging.jobseeker_cell (
    batch_id            bigint not null,
    record_no           integer not null,
    workbook            text,
    field               text,
    month               date,
    county_code         text,
    municipality_code   text,
    area_name           text,
    sex                 text,
    dimension           text,
    group_label         text,
    count_min           bigint,
    count_max           bigint,
    below_five_cells    integer,
    primary key (batch_id, record_no)
);

-- One row per month, area and group. A count published as `<5` is a range (1-4), and a sum of
-- cells keeps the range: count_min = count_max when exact.
create table core.jobseekers_monthly (
    month               date not null references core.month,
    area_code           text not null check (area_code ~ '^([0-9]{2}|[0-9]{4})$'),
    area_level          text not null check (area_level in ('municipality', 'county', 'nation')),
    group_code          text not null references core.jobseeker_group,
    count_min           bigint not null check (count_min >= 0),
    count_max           bigint not null,
    below_five_cells    integer not null default 0 check (below_five_cells >= 0),
    last_batch_id       bigint not null references audit.load_batch,
    primary key (month, area_code, group_code),
    check (count_max >= count_min),
    check ((area_level = 'municipality') = (length(area_code) = 4)),
    check ((area_level = 'nation') = (area_code = '00'))
);
-- Counts below 5 are in here: analysts read them only through mart.jobseekers_monthly.
revoke all on core.jobseekers_monthly from analyst;
comment on table core.jobseekers_monthly is
    'Inskrivna arbetslösa per månad, område och grupp (intervall när <5 ingår; bara för inläsaren: '
    'analytiker läser mart.jobseekers_monthly) / registered unemployed per month, area and group '
    '(a range where <5 cells are summed; loader only, analysts read mart.jobseekers_monthly)';
comment on column core.jobseekers_monthly.area_code is
    'Kommunkod (4 siffror), länskod (2) eller 00 för riket / municipality (4 digits), county (2) or 00 = nation';
comment on column core.jobseekers_monthly.area_level is
    'municipality; county = alla rader med känt län, även "Uppgift saknas" om kommun / all rows of the county, '
    'the residual ones included; nation = alla rader / every row';
comment on column core.jobseekers_monthly.count_min is 'Minst / at least (a <5 cell counts 1)';
comment on column core.jobseekers_monthly.count_max is 'Högst / at most (a <5 cell counts 4)';
comment on column core.jobseekers_monthly.below_five_cells is
    'Antal celler publicerade som <5 i summan / number of cells published as <5 in the sum';

-- The newest month loaded: what the publication check compares the page against.
create index jobseekers_monthly_group_month on core.jobseekers_monthly (group_code, month);

-- The yrkesbarometer: every round kept, keyed as the file is ----------------------------------
create unlogged table staging.yrkesbarometer (
    batch_id                    bigint not null,
    record_no                   integer not null,
    omgang                      text,
    yb_concept_id               text,
    lan                         text,
    yb_yrke                     text,
    yrkesomrade                 text,
    ssyk4                       text,
    ssyk_text                   text,
    delvis_helt                 text,
    jobbmojligheter             text,
    rekryteringssituation       text,
    paradox                     text,
    prognos                     text,
    hogsta_bedomningsniva       text,
    text_jobbmojligheter        text,
    text_rekryteringssituation  text,
    taxonomi_version            text,
    primary key (batch_id, record_no)
);

create table core.occupational_outlook (
    omgang                      text not null check (omgang ~ '^[0-9]{4}-[0-9]$'),
    yb_concept_id               text not null,
    lan                         char(2) not null check (lan ~ '^[0-9]{2}$'),
    yb_yrke                     text not null,
    yrkesomrade                 text,
    ssyk4                       varchar(4) references core.occupation,
    delvis_helt                 text check (delvis_helt in ('delvis', 'helt')),
    jobbmojligheter             text check (jobbmojligheter in ('små', 'medelstora', 'stora')),
    rekryteringssituation       text check (rekryteringssituation in ('överskott', 'balans', 'brist', 'paradox')),
    paradox                     jsonb,
    prognos                     text check (prognos in ('öka', 'vara oförändrad', 'minska')),
    hogsta_bedomningsniva       text,
    text_jobbmojligheter        text,
    text_rekryteringssituation  text,
    taxonomi_version            text,
    first_batch_id              bigint not null references audit.load_batch,
    last_batch_id               bigint not null references audit.load_batch,
    primary key (omgang, yb_concept_id, lan)
);
create index occupational_outlook_ssyk on core.occupational_outlook (ssyk4, lan, omgang);
comment on table core.occupational_outlook is
    'Yrkesbarometern per omgång, barometeryrke och län (00 = riket); varje omgång sparas / '
    'occupational outlook per round, barometer occupation and county (00 = nation); every round is kept';
comment on column core.occupational_outlook.omgang is 'Omgång, t.ex. 2026-1 / round, e.g. 2026-1';
comment on column core.occupational_outlook.yb_concept_id is 'Barometeryrkets id / the barometer occupation''s id';
comment on column core.occupational_outlook.lan is 'Länskod, 00 = riket / county code, 00 = nation';
comment on column core.occupational_outlook.ssyk4 is
    'SSYK 2012 (fyrsiffrig); flera barometeryrken kan ha samma / SSYK 2012; several barometer occupations can share one';
comment on column core.occupational_outlook.delvis_helt is
    'Hur barometeryrket motsvarar SSYK-koden: helt eller delvis / how the barometer occupation maps to the SSYK code';
comment on column core.occupational_outlook.jobbmojligheter is 'små | medelstora | stora | NULL (ej bedömd)';
comment on column core.occupational_outlook.rekryteringssituation is
    'överskott | balans | brist | paradox | NULL (ej bedömd); kategorier, inget index / categories, no index';
comment on column core.occupational_outlook.paradox is 'Skälen till paradox (lista) / the reasons for a paradox';
comment on column core.occupational_outlook.prognos is 'öka | vara oförändrad | minska | NULL';

-- The barometer occupation -> SSYK bridge of each round (delvis/helt kept).
create view core.outlook_ssyk_bridge as
select distinct omgang, yb_concept_id, yb_yrke, yrkesomrade, ssyk4, delvis_helt
from core.occupational_outlook
where ssyk4 is not null;
comment on view core.outlook_ssyk_bridge is
    'Barometeryrke -> SSYK per omgång, med delvis/helt / barometer occupation -> SSYK per round, with delvis/helt';

-- Marts ----------------------------------------------------------------------------------------
-- Registered unemployed per month, area and group; counts that could be below 5 are never shown.
create materialized view mart.jobseekers_monthly as
with counts as (
    select
        j.month,
        j.area_level,
        j.area_code,
        case j.area_level when 'municipality' then m.county_code else j.area_code end as county_code,
        case when j.area_level = 'municipality' then j.area_code end as municipality_code,
        j.group_code,
        g.dimension,
        g.label_sv,
        j.count_min,
        j.count_max,
        base.count_min as labour_force_min,
        base.count_max as labour_force_max
    from core.jobseekers_monthly as j
    inner join core.jobseeker_group as g on g.group_code = j.group_code
    left join core.municipality as m on m.municipality_code = j.area_code
    left join core.jobseekers_monthly as base
        on base.month = j.month and base.area_code = j.area_code and base.group_code = 'labour_force'
)

select
    month,
    area_level,
    area_code,
    county_code,
    municipality_code,
    group_code,
    dimension,
    label_sv as group_label,
    -- a range that reaches below 5 could point at persons: never shown
    case when count_min >= 5 then count_min end as jobseekers_min,
    case when count_min >= 5 then count_max end as jobseekers_max,
    count_min < 5 as suppressed,
    case when labour_force_min >= 5 then labour_force_min end as labour_force
from counts
with no data;
create unique index jobseekers_monthly_grain on mart.jobseekers_monthly (area_code, month, group_code);
create index jobseekers_monthly_county on mart.jobseekers_monthly (county_code, month);

comment on materialized view mart.jobseekers_monthly is
    'Inskrivna arbetslösa per månad, område och grupp; intervall som når under 5 visas inte / '
    'registered unemployed per month, area and group; ranges that reach below 5 are suppressed';
comment on column mart.jobseekers_monthly.month is 'Månad, första dagen / month, first day';
comment on column mart.jobseekers_monthly.area_level is 'Nivå / level: municipality | county | nation';
comment on column mart.jobseekers_monthly.area_code is 'Kommun, län eller 00 (riket) / municipality, county or 00 (nation)';
comment on column mart.jobseekers_monthly.county_code is 'Län (00 för riket) / county (00 for the nation)';
comment on column mart.jobseekers_monthly.municipality_code is 'Kommun; NULL för län och riket / municipality; NULL for county and nation';
comment on column mart.jobseekers_monthly.group_code is
    'Grupp (core.jobseeker_group): total, sex:…, age:… (t.ex. age:18-24 år), birth:…, education:…, without_work_6m/12m/24m, '
    'weak_position, occupational_area:…, labour_force… / the group';
comment on column mart.jobseekers_monthly.dimension is
    'Dimensionen; weak_position omfattar funktionsnedsättning men inget eget antal per kommun publiceras / '
    'the dimension; weak_position includes disability, whose own per-municipality count is not published';
comment on column mart.jobseekers_monthly.group_label is 'Gruppens namn som källan skriver det / the group as the source names it';
comment on column mart.jobseekers_monthly.jobseekers_min is
    'Minst så många (exakt när lika med max); NULL när det kan vara under 5 / at least (exact when equal to max); NULL when it could be below 5';
comment on column mart.jobseekers_monthly.jobseekers_max is
    'Högst så många (celler <5 räknas som 4); NULL när dolt / at most (<5 cells count 4); NULL when suppressed';
comment on column mart.jobseekers_monthly.suppressed is
    'Sant när antalet kan vara under 5 och därför är dolt / true when the count could be below 5 and is hidden';
comment on column mart.jobseekers_monthly.labour_force is
    'Registerbaserad arbetskraft i området och månaden (nämnaren): andel = summa täljare / summa nämnare, '
    'aldrig ett medel av andelar / the labour-force base: a rate is sum of numerators / sum of denominators, never an average';

-- Demand against supply per year, county and occupation --------------------------------------------
-- Method (README, "Competence gap"): demand is the vacancies of ads published in the year;
-- education supply is the study places of intakes starting in the year whose SUN field (level 3)
-- and level match the occupation (offerings without a SUN field or places count nothing); places
-- of an intake matching several occupations are shared, 'helt' weighing 1 and 'delvis' 0.5. The
-- outlook is the barometer's categorical recruitment situation of the year's latest round: from
-- its 'helt' mappings to the SSYK code when there are any, else from 'delvis' ones; when those
-- disagree the value is 'olika' and every assessment is listed. The supply-side figure is the
-- registered unemployed in the occupation's occupational area (yrkesområde) in the county, in the
-- year's latest month, where the barometer maps the SSYK code to exactly one area.
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
    where (o.closed_on is null or o.closed_on > o.start_date) and o.start_date is not null
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

rounds as (
    select
        omgang,
        split_part(omgang, '-', 1)::smallint as period,
        row_number() over (partition by split_part(omgang, '-', 1) order by omgang desc) as newest
    from (select distinct omgang from core.occupational_outlook) as r
),

barometer as (
    select
        r.period,
        o.lan as county_code,
        o.ssyk4,
        o.delvis_helt,
        o.rekryteringssituation,
        o.yb_yrke,
        -- helt mappings speak for the SSYK code when there are any
        bool_or(o.delvis_helt = 'helt') over (partition by r.period, o.lan, o.ssyk4) as has_helt
    from core.occupational_outlook as o
    inner join rounds as r on r.omgang = o.omgang and r.newest = 1
    where o.ssyk4 is not null and o.lan <> '00'
),

outlook as (
    select
        period,
        county_code,
        ssyk4,
        case
            when count(distinct rekryteringssituation) = 1 then min(rekryteringssituation)
            when count(distinct rekryteringssituation) > 1 then 'olika'
        end as recruitment_situation,
        min(delvis_helt) as outlook_mapping,
        string_agg(
            yb_yrke || ': ' || coalesce(rekryteringssituation, 'ej bedömd') || ' (' || delvis_helt || ')',
            '; ' order by yb_yrke
        ) as recruitment_assessments
    from barometer
    where delvis_helt = 'helt' or not has_helt
    group by 1, 2, 3
),

areas as (
    -- the barometer's own occupational area of each SSYK code; only a single area is usable
    select ssyk4, min(yrkesomrade) as occupational_area
    from core.occupational_outlook
    where ssyk4 is not null and yrkesomrade is not null
    group by ssyk4
    having count(distinct yrkesomrade) = 1
),

latest_month as (
    select extract(year from month)::smallint as period, max(month) as month
    from core.jobseekers_monthly
    where group_code like 'occupational\_area:%'
    group by 1
),

unemployed as (
    select
        lm.period,
        j.area_code as county_code,
        substr(j.group_code, length('occupational_area:') + 1) as occupational_area,
        j.count_min,
        j.count_max
    from core.jobseekers_monthly as j
    inner join latest_month as lm on lm.month = j.month
    where j.area_level = 'county' and j.group_code like 'occupational\_area:%'
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
    round(coalesce(s.places, 0), 1) as education_places_matched,
    o.recruitment_situation,
    o.outlook_mapping,
    o.recruitment_assessments,
    ar.occupational_area,
    -- a range that reaches below 5 is never shown
    case when u.count_min >= 5 then u.count_min end as unemployed_occupational_area,
    round(
        (coalesce(d.vacancies, 0) - coalesce(s.places, 0))
        / nullif(coalesce(d.vacancies, 0) + coalesce(s.places, 0), 0),
        3
    ) as gap_index
from grain as g
left join demand as d using (period, county_code, ssyk4)
left join supply as s using (period, county_code, ssyk4)
left join outlook as o using (period, county_code, ssyk4)
left join areas as ar on ar.ssyk4 = g.ssyk4
left join unemployed as u
    on u.period = g.period and u.county_code = g.county_code and u.occupational_area = ar.occupational_area
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
comment on column mart.competence_gap.education_places_matched is
    'Studieplatser med start under året som leder till yrket (matchningstabellen, delade; utan SUN eller platser: 0) / '
    'study places starting in the year that lead to the occupation (matching table, shared; none without SUN or places)';
comment on column mart.competence_gap.recruitment_situation is
    'Yrkesbarometerns rekryteringssituation, årets senaste omgång: överskott | balans | brist | paradox | olika '
    '(barometeryrkena med koden är oense) | NULL / the barometer''s recruitment situation (categorical, no index)';
comment on column mart.competence_gap.outlook_mapping is
    'helt när helt-kopplade barometeryrken används, annars delvis / helt when fully mapped occupations were used, else delvis';
comment on column mart.competence_gap.recruitment_assessments is
    'Varje barometeryrkes bedömning med delvis/helt / each barometer occupation''s assessment with delvis/helt';
comment on column mart.competence_gap.occupational_area is
    'Yrkesområdet som barometern ger koden (bara när det är ett) / the occupational area the barometer gives the code (only when one)';
comment on column mart.competence_gap.unemployed_occupational_area is
    'Inskrivna arbetslösa i hela yrkesområdet i länet, årets senaste månad (utbudssida; inte per yrke; NULL när det kan vara under 5) / '
    'registered unemployed in the whole occupational area in the county, the year''s latest month (supply side, '
    'not per occupation; NULL when it could be below 5)';
comment on column mart.competence_gap.gap_index is
    '(lediga jobb - platser) / (lediga jobb + platser): över 0 = efterfrågan större än utbudet / '
    '(vacancies - places) / (vacancies + places): above 0 = demand exceeds education supply';
