-- Employment-agency feeds: job ads, job seekers per group, occupational outlook.

create table core.jobseeker_group (
    group_code  text primary key,
    label_sv    text not null,
    label_en    text not null
);
insert into core.jobseeker_group (group_code, label_sv, label_en) values
    ('total', 'Totalt', 'All registered job seekers'),
    ('youth_18_24', 'Ungdomar 18-24 år', 'Young people aged 18-24'),
    ('foreign_born', 'Utrikes födda', 'Born abroad'),
    ('disability', 'Funktionsnedsättning som medför nedsatt arbetsförmåga',
        'With a disability that reduces work capacity'),
    ('long_term_12m', 'Långtidsarbetslösa (>12 mån)', 'Long-term unemployed (over 12 months)');

-- staging: typed rows per batch; unlogged because a crash simply reruns the batch from raw.
create unlogged table staging.job_ad (
    batch_id                bigint not null,
    record_no               integer not null,
    ad_id                   text,
    is_removal              boolean not null default false,
    headline                text,
    employer_name           text,
    employer_org_number     text,
    ssyk4                   text,
    occupation_concept_id   text,
    occupation_label        text,
    municipality_code       text,
    county_code             text,
    number_of_vacancies     integer,
    publication_date        timestamptz,
    last_publication_date   timestamptz,
    application_deadline    timestamptz,
    removed_at              timestamptz,
    changed_at              timestamptz,
    employment_type         text,
    working_hours_type      text,
    personal_number_found   boolean not null default false,
    primary key (batch_id, record_no)
);

create table core.job_ad (
    ad_id                   text primary key,
    headline                text,
    employer_name           text,
    employer_org_number     text,
    ssyk4                   varchar(4) references core.occupation,
    occupation_concept_id   text,
    occupation_label        text,
    municipality_code       char(4) references core.municipality,
    county_code             char(2) not null references core.county,
    number_of_vacancies     integer check (number_of_vacancies >= 0),
    publication_date        timestamptz,
    last_publication_date   timestamptz,
    application_deadline    timestamptz,
    removed_at              timestamptz,
    changed_at              timestamptz not null,
    employment_type         text,
    working_hours_type      text,
    first_batch_id          bigint not null references audit.load_batch,
    last_batch_id           bigint not null references audit.load_batch
);
create index job_ad_month_place_occupation
    on core.job_ad (date_trunc('month', publication_date at time zone 'Europe/Stockholm'), county_code, ssyk4);
comment on table core.job_ad is 'Platsannonser (JobTech) / job ads in the area, one row per ad';
comment on column core.job_ad.removed_at is 'Avpublicerad / when the ad was removed (NULL while open)';
comment on column core.job_ad.municipality_code is 'Arbetsplatsens kommun; NULL när bara länet anges';

create unlogged table staging.jobseekers_monthly (
    batch_id            bigint not null,
    record_no           integer not null,
    month               date,
    county_code         text,
    municipality_code   text,
    group_code          text,
    group_label         text,
    jobseekers          integer,
    primary key (batch_id, record_no)
);

create table core.jobseekers_monthly (
    month               date not null references core.month,
    municipality_code   char(4) not null references core.municipality,
    group_code          text not null references core.jobseeker_group,
    jobseekers          integer not null check (jobseekers >= 0),
    last_batch_id       bigint not null references audit.load_batch,
    primary key (month, municipality_code, group_code)
);
comment on table core.jobseekers_monthly is
    'Inskrivna arbetssökande per kommun, månad och grupp / registered job seekers';

create unlogged table staging.occupational_outlook (
    batch_id            bigint not null,
    record_no           integer not null,
    year                integer,
    half                integer,
    county_code         text,
    ssyk4               text,
    occupation_label    text,
    shortage_index      numeric,
    assessment          text,
    outlook_1y          text,
    outlook_5y          text,
    primary key (batch_id, record_no)
);

create table core.occupational_outlook (
    year                smallint not null,
    half                smallint not null check (half in (1, 2)),
    county_code         char(2) not null references core.county,
    ssyk4               varchar(4) not null references core.occupation,
    shortage_index      numeric(3, 2) check (shortage_index between 1 and 5),
    assessment          text,
    outlook_1y          text,
    outlook_5y          text,
    last_batch_id       bigint not null references audit.load_batch,
    primary key (year, half, county_code, ssyk4)
);
comment on table core.occupational_outlook is
    'Yrkesbarometern: bedömning per yrke och län / occupational outlook per occupation and county';
