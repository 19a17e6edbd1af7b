-- Region-restricted tables: what a region's municipalities deliver for themselves (their own
-- monthly files) is read only by that county's analysts. Every other core and mart table is
-- shared by all five counties, because comparing them is the point of one warehouse.
--
-- A login reads county NN's rows when it is a member of analyst_NN. The loader owns the tables,
-- so row-level security does not apply to it (it is not FORCEd).

create function core.current_analyst_counties() returns text[]
    language sql stable
    set search_path = pg_catalog
as $fn$
    select coalesce(array_agg(substr(r.rolname, 9) order by r.rolname), '{}')
    from pg_roles as r
    where r.rolname ~ '^analyst_[0-9]{2}$' and pg_has_role(current_user, r.oid, 'member')
$fn$;
comment on function core.current_analyst_counties() is
    'Län vars begränsade rader den inloggade får läsa / counties whose restricted rows the current login may read';
grant execute on function core.current_analyst_counties() to analyst;

alter table core.adult_education_enrolment enable row level security;
alter table core.labour_market_programme enable row level security;

-- A Swedish municipality code starts with its county's code. The function sits in a sub-select
-- so it runs once per query (a hashed sub-plan), not once per row.
create policy adult_education_enrolment_own_county on core.adult_education_enrolment
    for select to analyst
    using (left(municipality_code, 2) in (select unnest(core.current_analyst_counties())));
create policy labour_market_programme_own_county on core.labour_market_programme
    for select to analyst
    using (left(municipality_code, 2) in (select unnest(core.current_analyst_counties())));

comment on table core.adult_education_enrolment is
    'Kursdeltagare i komvux per kommun, månad och kurs (kommunernas egna filer; radskydd: bara det egna länet) / '
    'adult-education course enrolment (the municipalities'' own files; row-level security: own county only)';
comment on table core.labour_market_programme is
    'Deltagare i kommunala arbetsmarknadsinsatser (kommunernas egna filer; radskydd: bara det egna länet) / '
    'labour-market programme participants (the municipalities'' own files; row-level security: own county only)';
