-- Municipality feeds: key figures (Kolada, SCB) and the municipalities' own monthly files.

-- A batch may cover one part of a feed (one municipality's files): batches of different parts
-- of the same feed and period are independent, so one broken part never closes another.
alter table audit.load_batch add column partition_key text;
comment on column audit.load_batch.partition_key is
    'Delkälla, t.ex. kommunkod / the part of the feed this batch loads (e.g. a municipality code); NULL = whole feed';
create index load_batch_feed_partition on audit.load_batch (feed, partition_key, started_at desc)
    where partition_key is not null;

-- Key figures -------------------------------------------------------------------------------------
create table core.key_figure_indicator (
    indicator_code  text primary key,
    source          text not null check (source in ('kolada', 'scb')),
    source_ref      text not null,
    title           text not null,
    unit            text not null check (unit in ('count', 'percent')),
    frequency       text not null check (frequency in ('year', 'month')),
    last_batch_id   bigint not null references audit.load_batch
);
comment on table core.key_figure_indicator is
    'Nyckeltal och deras källa / key-figure indicators: source (Kolada KPI id or SCB table/content code), title, unit';

create unlogged table staging.municipality_key_figure (
    batch_id            bigint not null,
    record_no           integer not null,
    municipality_code   text,
    year                integer,
    month               integer,
    indicator_code      text,
    gender              text,
    value               numeric,
    status              text,
    source              text,
    source_ref          text,
    title               text,
    unit                text,
    frequency           text,
    primary key (batch_id, record_no)
);

create table core.municipality_key_figure (
    municipality_code   char(4) not null references core.municipality,
    year                smallint not null check (year between 1968 and 2100),
    month               smallint not null default 0 check (month between 0 and 12),
    indicator_code      text not null references core.key_figure_indicator,
    gender              char(1) not null check (gender in ('T', 'K', 'M')),
    value               numeric,
    status              text,
    last_batch_id       bigint not null references audit.load_batch,
    primary key (municipality_code, year, month, indicator_code, gender),
    check (value is not null or status is not null)
);
comment on table core.municipality_key_figure is
    'Nyckeltal per kommun, år (och månad), kön / key figures per municipality, year (month), gender';
comment on column core.municipality_key_figure.month is '0 = the whole year; 1-12 for monthly figures';
comment on column core.municipality_key_figure.gender is 'T total, K kvinnor (women), M män (men)';
comment on column core.municipality_key_figure.status is
    'Källans status när värdet saknas (t.ex. Saknas, Sekretess, ..) / why the source has no value';

-- The municipalities' own files ------------------------------------------------------------------
create unlogged table staging.adult_education_enrolment (
    batch_id                bigint not null,
    record_no               integer not null,
    month                   date,
    municipality_code       text,
    course_code             text,
    course_name             text,
    study_form              text,
    participants            integer,
    women                   integer,
    pace_percent            numeric,
    comment                 text,
    personal_number_found   boolean not null default false,
    primary key (batch_id, record_no)
);

create table core.adult_education_enrolment (
    month               date not null references core.month,
    municipality_code   char(4) not null references core.municipality,
    course_code         text not null,
    course_name         text,
    study_form          text,
    participants        integer not null check (participants >= 0),
    women               integer check (women >= 0),
    pace_percent        numeric(5, 1) check (pace_percent between 0 and 100),
    last_batch_id       bigint not null references audit.load_batch,
    primary key (month, municipality_code, course_code)
);
comment on table core.adult_education_enrolment is
    'Kursdeltagare i komvux per kommun, månad och kurs (kommunernas egna filer) / adult-education course enrolment';

create unlogged table staging.labour_market_programme (
    batch_id                bigint not null,
    record_no               integer not null,
    month                   date,
    municipality_code       text,
    programme               text,
    target_group            text,
    participants            integer,
    share_women_percent     numeric,
    cost_ksek               numeric,
    comment                 text,
    personal_number_found   boolean not null default false,
    primary key (batch_id, record_no)
);

create table core.labour_market_programme (
    month                   date not null references core.month,
    municipality_code       char(4) not null references core.municipality,
    programme               text not null,
    target_group            text not null,
    participants            integer not null check (participants >= 0),
    share_women_percent     numeric(5, 1) check (share_women_percent between 0 and 100),
    cost_ksek               numeric(12, 1) check (cost_ksek >= 0),
    last_batch_id           bigint not null references audit.load_batch,
    primary key (month, municipality_code, programme, target_group)
);
comment on table core.labour_market_programme is
    'Deltagare i kommunala arbetsmarknadsinsatser per kommun, månad, insats och målgrupp / labour-market programme participants';
comment on column core.labour_market_programme.cost_ksek is 'Kostnad i tusen kronor / cost in thousands of SEK';
