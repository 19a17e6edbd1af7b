-- The taxonomy's skills at real size (about 6 000 concepts), for the skills marts.
insert into core.skill (concept_id, label_sv, headline_concept_id, headline_sv, first_batch_id, last_batch_id)
select
    'bnch_' || lpad(n::text, 4, '0'),
    'Kompetens ' || n,
    'head_' || lpad((n %% 40)::text, 3, '0') || '_000',
    'Rubrik ' || (n %% 40),
    %(batch_id)s,
    %(batch_id)s
from generate_series(1, 6000) as g (n)
