-- Merge one validated batch of job ads into core.job_ad.
-- The latest record per ad wins; a removal closes an ad (removed_at) and keeps every other
-- column as it was, because a removal in the stream is sparse. Unchanged ads are not rewritten.
with passing as (
    select s.*
    from staging.job_ad as s
    where s.batch_id = %(batch_id)s
      and not exists (
          select from quarantine.record as q
          where q.batch_id = s.batch_id and q.record_no = s.record_no
      )
),

latest as (
    select distinct on (ad_id) *
    from passing
    order by ad_id, changed_at desc, record_no desc
)

insert into core.job_ad as ad (
    ad_id, headline, employer_name, employer_org_number, ssyk4, occupation_concept_id,
    occupation_label, municipality_code, county_code, number_of_vacancies, publication_date,
    last_publication_date, application_deadline, removed_at, changed_at, employment_type,
    working_hours_type, first_batch_id, last_batch_id
)
select
    ad_id, headline, employer_name, employer_org_number, ssyk4, occupation_concept_id,
    occupation_label, municipality_code, county_code, number_of_vacancies, publication_date,
    last_publication_date, application_deadline, removed_at, changed_at, employment_type,
    working_hours_type, batch_id, batch_id
from latest
on conflict (ad_id) do update
set headline = case when excluded.removed_at is null then excluded.headline else ad.headline end,
    employer_name = case when excluded.removed_at is null then excluded.employer_name else ad.employer_name end,
    employer_org_number = case
        when excluded.removed_at is null then excluded.employer_org_number else ad.employer_org_number
    end,
    ssyk4 = coalesce(excluded.ssyk4, ad.ssyk4),
    occupation_concept_id = coalesce(excluded.occupation_concept_id, ad.occupation_concept_id),
    occupation_label = coalesce(excluded.occupation_label, ad.occupation_label),
    municipality_code = case
        when excluded.removed_at is null then excluded.municipality_code else ad.municipality_code
    end,
    county_code = coalesce(excluded.county_code, ad.county_code),
    number_of_vacancies = case
        when excluded.removed_at is null then excluded.number_of_vacancies else ad.number_of_vacancies
    end,
    publication_date = coalesce(excluded.publication_date, ad.publication_date),
    last_publication_date = coalesce(excluded.last_publication_date, ad.last_publication_date),
    application_deadline = coalesce(excluded.application_deadline, ad.application_deadline),
    removed_at = excluded.removed_at,
    changed_at = excluded.changed_at,
    employment_type = coalesce(excluded.employment_type, ad.employment_type),
    working_hours_type = coalesce(excluded.working_hours_type, ad.working_hours_type),
    last_batch_id = excluded.last_batch_id
-- only a newer version of an ad changes it: replays of older windows and reruns write nothing
where excluded.changed_at > ad.changed_at
   or (excluded.changed_at = ad.changed_at and ad.removed_at is distinct from excluded.removed_at)
