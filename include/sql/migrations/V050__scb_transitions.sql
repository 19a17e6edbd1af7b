-- From education to work, SCB's part: the integration register's labour-market outcomes by
-- education level and background (TAB6383 municipality, TAB6384 county) and the regional matching
-- indicators by education group (TAB6929), loaded by the education_transitions DAG.
-- Only shares are kept: no count of people (job seekers or others) is stored from these tables.

create table core.scb_code (
    variable_code  text not null,
    value_code     text not null,
    label          text not null,
    meaning        text,
    primary key (variable_code, value_code)
);
comment on table core.scb_code is
    'Koder i SCB:s tabeller (utbildningsnivå, bakgrund, utbildningsgrupp) med SCB:s etikett / '
    'codes of SCB''s tables (education level, background, education group) with SCB''s label';
comment on column core.scb_code.variable_code is
    'SCB:s variabel (UtbNiv, BakgrVar) eller kodlista (vs_UtbildningsgruppE2-3N1-2) / SCB''s variable or codelist';
comment on column core.scb_code.value_code is 'SCB:s kod; matchas alltid på kod / SCB''s code; always matched on';
comment on column core.scb_code.label is
    'SCB:s etikett, senast lästa (endast för visning) / SCB''s label as last read (for display only)';
comment on column core.scb_code.meaning is
    'Projektets betydelse av koden (konfiguration), t.ex. years_in_sweden_0_1; NULL för utbildningsgrupper / '
    'the project''s meaning of the code (configuration); NULL for education groups';

create unlogged table staging.scb_transition (
    batch_id            bigint not null,
    record_no           integer not null,
    table_id            text,
    region_level        text,
    region_code         text,
    county_code         text,
    municipality_code   text,
    year                integer,
    content_code        text,
    measure             text,
    education_variable  text,
    education_code      text,
    education_label     text,
    education_meaning   text,
    background_code     text,
    background_label    text,
    background_meaning  text,
    sex                 text,
    value               numeric,
    status              text,
    primary key (batch_id, record_no)
);

create table core.labour_market_outcome (
    year                smallint not null,
    region_code         text not null check (region_code ~ '^[0-9]{2}([0-9]{2})?$'),
    education_variable  text not null default 'UtbNiv' check (education_variable = 'UtbNiv'),
    education_code      text not null,
    background_variable text not null default 'BakgrVar' check (background_variable = 'BakgrVar'),
    background_code     text not null,
    sex                 char(1) not null check (sex in ('T', 'K', 'M')),
    measure             text not null,
    table_id            text not null,
    content_code        text not null,
    region_level        text not null check (region_level in ('county', 'municipality')),
    county_code         char(2) not null references core.county,
    municipality_code   char(4) references core.municipality,
    value               numeric(5, 1) check (value between 0 and 100),
    status              text,
    last_batch_id       bigint not null references audit.load_batch,
    primary key (year, region_code, education_code, background_code, sex, measure),
    foreign key (education_variable, education_code) references core.scb_code,
    foreign key (background_variable, background_code) references core.scb_code,
    check ((region_level = 'county') = (municipality_code is null)),
    check (region_code = coalesce(municipality_code, county_code)),
    -- a missing value is kept with SCB's reason (.., ., :), never as 0
    check (value is not null or status is not null)
);
create index labour_market_outcome_county on core.labour_market_outcome (county_code, year);
comment on table core.labour_market_outcome is
    'Arbetsmarknadsutfall (andelar) per år, kommun eller län, utbildningsnivå, bakgrund och kön (SCB TAB6383/TAB6384) / '
    'labour-market outcomes (shares) per year, municipality or county, education level, background and sex';
comment on column core.labour_market_outcome.year is 'Statistikår / statistics year';
comment on column core.labour_market_outcome.region_code is 'Kommun- eller länskod / municipality or county code';
comment on column core.labour_market_outcome.education_variable is 'SCB:s variabel UtbNiv / SCB''s variable UtbNiv';
comment on column core.labour_market_outcome.education_code is
    'Utbildningsnivå, SCB:s kod (000 alla, F förgymnasial, 3 gymnasial, EU eftergymnasial) / education level code';
comment on column core.labour_market_outcome.background_variable is 'SCB:s variabel BakgrVar / SCB''s variable BakgrVar';
comment on column core.labour_market_outcome.background_code is
    'Bakgrund, SCB:s kod (totalt, född i Sverige, utrikes född, vistelsetid i Sverige) / background code';
comment on column core.labour_market_outcome.sex is 'T totalt, K kvinnor, M män / total, women, men';
comment on column core.labour_market_outcome.measure is
    'Mått (konfiguration): employed_share, long_term_unemployed_share, in_programme_share, '
    'still_employed_after_one_year_share / measure';
comment on column core.labour_market_outcome.table_id is 'SCB-tabellen värdet kommer från / the SCB table';
comment on column core.labour_market_outcome.content_code is 'SCB:s ContentsCode / SCB''s content code';
comment on column core.labour_market_outcome.region_level is
    'Nivå: county (län) eller municipality (kommun) / level: county or municipality';
comment on column core.labour_market_outcome.county_code is 'Län / county';
comment on column core.labour_market_outcome.municipality_code is
    'Kommun; NULL på länsrader / municipality; NULL on county rows';
comment on column core.labour_market_outcome.value is
    'Andel (%); NULL med SCB:s markering i status / share (%); NULL with SCB''s mark in status';
comment on column core.labour_market_outcome.status is
    'SCB:s markering (.. för få, . saknas, : sekretess) / SCB''s status mark';
comment on column core.labour_market_outcome.last_batch_id is 'Senaste batch som ändrade raden / last batch that changed the row';

create table core.matched_employment (
    year                smallint not null,
    region_code         text not null check (region_code ~ '^[0-9]{2}([0-9]{2})?$'),
    -- one codelist only: TAB6929's levels codelist is an alternative grouping, never mixed in
    education_codelist  text not null check (education_codelist = 'vs_UtbildningsgruppE2-3N1-2'),
    education_code      text not null,
    measure             text not null,
    table_id            text not null,
    content_code        text not null,
    region_level        text not null check (region_level in ('county', 'municipality')),
    county_code         char(2) not null references core.county,
    municipality_code   char(4) references core.municipality,
    value               numeric(5, 1) check (value between 0 and 100),
    status              text,
    last_batch_id       bigint not null references audit.load_batch,
    primary key (year, region_code, education_codelist, education_code, measure),
    foreign key (education_codelist, education_code) references core.scb_code,
    check ((region_level = 'county') = (municipality_code is null)),
    check (region_code = coalesce(municipality_code, county_code)),
    check (value is not null or status is not null)
);
create index matched_employment_county on core.matched_employment (county_code, year);
comment on table core.matched_employment is
    'Matchning mellan utbildning och yrke (SCB TAB6929, E3) per år, län eller kommun och utbildningsgrupp / '
    'match between education and occupation per year, county or municipality and education group';
comment on column core.matched_employment.year is 'Statistikår / statistics year';
comment on column core.matched_employment.region_code is 'Läns- eller kommunkod / county or municipality code';
comment on column core.matched_employment.education_codelist is
    'SCB:s kodlista för utbildningsgrupper (den enda som lagras) / SCB''s education-group codelist (the only one kept)';
comment on column core.matched_employment.education_code is
    'Utbildningsgrupp, SCB:s kod (00S = alla grupper) / education group code (00S = all groups)';
comment on column core.matched_employment.measure is 'Mått (konfiguration): matched_share / measure';
comment on column core.matched_employment.table_id is 'SCB-tabellen värdet kommer från / the SCB table';
comment on column core.matched_employment.content_code is 'SCB:s ContentsCode / SCB''s content code';
comment on column core.matched_employment.region_level is
    'Nivå: county (län) eller municipality (kommun) / level: county or municipality';
comment on column core.matched_employment.county_code is 'Län / county';
comment on column core.matched_employment.municipality_code is
    'Kommun; NULL på länsrader / municipality; NULL on county rows';
comment on column core.matched_employment.value is
    'Andel (%) förvärvsarbetande vars yrke matchar utbildningen; NULL med SCB:s markering / '
    'share (%) of employed whose occupation matches their education; NULL with SCB''s mark';
comment on column core.matched_employment.status is 'SCB:s markering (.., ., :) / SCB''s status mark';
comment on column core.matched_employment.last_batch_id is 'Senaste batch som ändrade raden / last batch that changed the row';

-- Matched employment per education group and county (and municipality), against all groups of
-- the same place and year and against the previous year.
create materialized view mart.matched_employment as
with shares as (
    select m.*, c.label as education_label
    from core.matched_employment as m
    inner join core.scb_code as c on c.variable_code = m.education_codelist and c.value_code = m.education_code
    where m.measure = 'matched_share'
)

select
    s.year,
    s.region_level,
    s.region_code,
    s.county_code,
    s.municipality_code,
    s.education_code,
    s.education_label,
    s.value as matched_share,
    s.status,
    a.value as matched_share_all_groups,
    (s.value - a.value)::numeric(5, 1) as difference_from_all_pp,
    (s.value - lag(s.value) over w)::numeric(5, 1) as trend_pp
from shares as s
left join shares as a
    on a.year = s.year and a.region_code = s.region_code and a.education_code = '00S'
window w as (partition by s.region_code, s.education_code order by s.year)
with no data;
create unique index matched_employment_grain on mart.matched_employment (year, region_code, education_code);
create index matched_employment_mart_county on mart.matched_employment (county_code, year);
comment on materialized view mart.matched_employment is
    'Matchad förvärvsgrad per utbildningsgrupp, län och kommun, mot alla grupper och föregående år (SCB TAB6929) / '
    'matched employment per education group, county and municipality, against all groups and the year before';
comment on column mart.matched_employment.year is 'Statistikår / statistics year';
comment on column mart.matched_employment.region_level is
    'Nivå: county (län) eller municipality (kommun) / level: county or municipality';
comment on column mart.matched_employment.region_code is 'Läns- eller kommunkod / county or municipality code';
comment on column mart.matched_employment.county_code is 'Län / county';
comment on column mart.matched_employment.municipality_code is
    'Kommun; NULL på länsrader / municipality; NULL on county rows';
comment on column mart.matched_employment.education_code is
    'Utbildningsgrupp, SCB:s kod (00S = alla) / education group, SCB''s code (00S = all)';
comment on column mart.matched_employment.education_label is 'SCB:s etikett / SCB''s label';
comment on column mart.matched_employment.matched_share is
    'Andel (%) vars yrke matchar utbildningen; NULL när SCB döljer den / share (%) matched; NULL when SCB withholds it';
comment on column mart.matched_employment.status is 'SCB:s markering när andelen saknas / SCB''s mark when absent';
comment on column mart.matched_employment.matched_share_all_groups is
    'Samma andel för alla utbildningsgrupper på orten samma år / the same share for all groups of the place and year';
comment on column mart.matched_employment.difference_from_all_pp is
    'Skillnad mot alla grupper i procentenheter / difference from all groups in percentage points';
comment on column mart.matched_employment.trend_pp is
    'Förändring mot föregående år i procentenheter / change since the previous year in percentage points';

-- Outcomes of the groups far from the labour market per municipality (and county): each
-- education level x background x sex with its four shares side by side, the group's kind, and
-- its distance to those born in Sweden of the same place, year, level and sex. Shares only.
create materialized view mart.labour_market_outcomes as
with wide as (
    select
        o.year,
        o.region_level,
        o.region_code,
        o.county_code,
        o.municipality_code,
        o.education_code,
        o.background_code,
        o.sex,
        max(o.value) filter (where o.measure = 'employed_share') as employed_share,
        max(o.value) filter (where o.measure = 'long_term_unemployed_share') as long_term_unemployed_share,
        max(o.value) filter (where o.measure = 'in_programme_share') as in_programme_share,
        max(o.value) filter (where o.measure = 'still_employed_after_one_year_share') as still_employed_share
    from core.labour_market_outcome as o
    group by 1, 2, 3, 4, 5, 6, 7, 8
)

select
    w.year,
    w.region_level,
    w.region_code,
    w.county_code,
    w.municipality_code,
    w.education_code,
    e.meaning as education_meaning,
    e.label as education_label,
    w.background_code,
    b.meaning as background_meaning,
    b.label as background_label,
    case
        when b.meaning like 'years\_in\_sweden\_%' then 'foreign_born_by_time_in_sweden'
        when b.meaning = 'foreign_born' then 'foreign_born'
        when e.meaning = 'pre_upper_secondary' then 'low_education'
        else 'reference'
    end as group_kind,
    w.sex,
    w.employed_share,
    w.long_term_unemployed_share,
    w.in_programme_share,
    w.still_employed_share,
    (w.employed_share - se.employed_share)::numeric(5, 1) as employed_gap_to_born_in_sweden_pp
from wide as w
inner join core.scb_code as e on e.variable_code = 'UtbNiv' and e.value_code = w.education_code
inner join core.scb_code as b on b.variable_code = 'BakgrVar' and b.value_code = w.background_code
left join (
    select ww.*
    from wide as ww
    inner join core.scb_code as bb
        on bb.variable_code = 'BakgrVar' and bb.value_code = ww.background_code and bb.meaning = 'born_in_sweden'
) as se
    on se.year = w.year and se.region_code = w.region_code and se.education_code = w.education_code and se.sex = w.sex
with no data;
create unique index labour_market_outcomes_grain
    on mart.labour_market_outcomes (year, region_code, education_code, background_code, sex);
create index labour_market_outcomes_county on mart.labour_market_outcomes (county_code, year, group_kind);
comment on materialized view mart.labour_market_outcomes is
    'Utfall för grupper långt från arbetsmarknaden per kommun och län: utrikes födda efter vistelsetid, kort '
    'utbildning, långtidsarbetslösa, i program (SCB TAB6383/TAB6384; endast andelar) / outcomes of the groups '
    'far from the labour market per municipality and county (shares only)';
comment on column mart.labour_market_outcomes.year is 'Statistikår / statistics year';
comment on column mart.labour_market_outcomes.region_level is
    'Nivå: county (län) eller municipality (kommun) / level: county or municipality';
comment on column mart.labour_market_outcomes.region_code is 'Kommun- eller länskod / municipality or county code';
comment on column mart.labour_market_outcomes.county_code is 'Län / county';
comment on column mart.labour_market_outcomes.municipality_code is
    'Kommun; NULL på länsrader / municipality; NULL on county rows';
comment on column mart.labour_market_outcomes.education_code is 'Utbildningsnivå, SCB:s kod / education level code';
comment on column mart.labour_market_outcomes.education_meaning is
    'all, pre_upper_secondary, upper_secondary, post_secondary / the level''s meaning';
comment on column mart.labour_market_outcomes.education_label is 'SCB:s etikett / SCB''s label';
comment on column mart.labour_market_outcomes.background_code is 'Bakgrund, SCB:s kod / background code';
comment on column mart.labour_market_outcomes.background_meaning is
    'all, born_in_sweden, foreign_born, years_in_sweden_* / the background''s meaning';
comment on column mart.labour_market_outcomes.background_label is 'SCB:s etikett / SCB''s label';
comment on column mart.labour_market_outcomes.group_kind is
    'foreign_born_by_time_in_sweden, foreign_born, low_education eller reference / the kind of group';
comment on column mart.labour_market_outcomes.sex is 'T totalt, K kvinnor, M män / total, women, men';
comment on column mart.labour_market_outcomes.employed_share is 'Andel (%) sysselsatta / share employed';
comment on column mart.labour_market_outcomes.long_term_unemployed_share is
    'Andel (%) långtidsarbetslösa / share long-term unemployed';
comment on column mart.labour_market_outcomes.in_programme_share is
    'Andel (%) i program med aktivitetsstöd / share in programmes with activity support';
comment on column mart.labour_market_outcomes.still_employed_share is
    'Andel (%) sysselsatta även ett år senare / share still employed a year later';
comment on column mart.labour_market_outcomes.employed_gap_to_born_in_sweden_pp is
    'Sysselsättning mot födda i Sverige (samma ort, år, nivå, kön) i procentenheter / '
    'employment against those born in Sweden (same place, year, level, sex) in percentage points';
