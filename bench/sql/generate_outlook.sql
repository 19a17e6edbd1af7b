-- The yrkesbarometer: one round per half-year, per county and SSYK 2012 unit group (one barometer
-- occupation each, mapped 'helt'), with categorical assessments.
insert into core.occupational_outlook (
    omgang, yb_concept_id, lan, yb_yrke, ssyk4, delvis_helt, jobbmojligheter, rekryteringssituation,
    prognos, first_batch_id, last_batch_id
)
select
    y.year || '-' || h.half,
    'bench-' || o.ssyk_code,
    c.county_code,
    o.label_sv,
    o.ssyk_code,
    'helt',
    (array['små', 'medelstora', 'stora'])[1 + floor(random() * 3)::integer],
    (array['överskott', 'balans', 'brist', 'paradox'])[1 + floor(random() * 4)::integer],
    (array['minska', 'vara oförändrad', 'öka'])[1 + floor(random() * 3)::integer],
    %(batch_id)s,
    %(batch_id)s
from generate_series(%(first_year)s::integer, %(last_year)s::integer) as y (year)
cross join (values (1), (2)) as h (half)
cross join core.county as c
cross join core.occupation as o
where o.ssyk_level = 4 and o.retired_at is null and c.retired_at is null
