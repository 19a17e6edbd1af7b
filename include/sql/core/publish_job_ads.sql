-- Merge one validated batch of job ads into core.job_ad: the full ads (JobStream's new and updated
-- ads, and the archives' ads, closed or not). The latest full record per ad wins; only a newer
-- version of an ad changes it, so reruns and replays of older windows write nothing.
-- Removals are applied after this by core/close_job_ads.sql; they never create an ad.
insert into core.job_ad as ad (
    ad_id, headline, employer_name, employer_org_number, ssyk4, occupation_concept_id,
    occupation_label, municipality_code, county_code, number_of_vacancies, publication_date,
    last_publication_date, application_deadline, removed_at, changed_at, employment_type,
    working_hours_type, occupation_field_concept_id, occupation_field_label, experience_required,
    driving_license_required, access_to_own_car, first_batch_id, last_batch_id
)
select
    ad_id, headline, employer_name, employer_org_number, ssyk4, occupation_concept_id,
    occupation_label, municipality_code, county_code, number_of_vacancies, publication_date,
    last_publication_date, application_deadline, removed_at, changed_at, employment_type,
    working_hours_type, occupation_field_concept_id, occupation_field_label, experience_required,
    driving_license_required, access_to_own_car, batch_id, batch_id
from passing_batch
where not is_removal
on conflict (ad_id) do update
set headline = excluded.headline,
    employer_name = excluded.employer_name,
    employer_org_number = excluded.employer_org_number,
    ssyk4 = coalesce(excluded.ssyk4, ad.ssyk4),
    occupation_concept_id = coalesce(excluded.occupation_concept_id, ad.occupation_concept_id),
    occupation_label = coalesce(excluded.occupation_label, ad.occupation_label),
    municipality_code = excluded.municipality_code,
    county_code = excluded.county_code,
    number_of_vacancies = excluded.number_of_vacancies,
    publication_date = coalesce(excluded.publication_date, ad.publication_date),
    last_publication_date = coalesce(excluded.last_publication_date, ad.last_publication_date),
    application_deadline = coalesce(excluded.application_deadline, ad.application_deadline),
    removed_at = excluded.removed_at,
    changed_at = excluded.changed_at,
    employment_type = coalesce(excluded.employment_type, ad.employment_type),
    working_hours_type = coalesce(excluded.working_hours_type, ad.working_hours_type),
    occupation_field_concept_id = coalesce(excluded.occupation_field_concept_id, ad.occupation_field_concept_id),
    occupation_field_label = coalesce(excluded.occupation_field_label, ad.occupation_field_label),
    experience_required = excluded.experience_required,
    driving_license_required = excluded.driving_license_required,
    access_to_own_car = excluded.access_to_own_car,
    last_batch_id = excluded.last_batch_id
where excluded.changed_at > ad.changed_at
   or (excluded.changed_at = ad.changed_at and ad.removed_at is distinct from excluded.removed_at)
