-- The keywords and requirements of a job ad without a foreign key to core.job_ad.
-- Publish writes them only for ads it has just written in the same transaction (core/
-- insert_job_ad_keywords.sql and insert_job_ad_requirements.sql join core.job_ad on the batch),
-- and nothing deletes an ad, so the key never refused a row; checking it row by row cost a third
-- of the child tables' publish (about 1 s per 20 000 ads, measured in docs/performance.md).
-- What deletes an ad must delete its keywords and requirements with it: there is no cascade.
alter table core.job_ad_keyword drop constraint job_ad_keyword_ad_id_fkey;
alter table core.job_ad_requirement drop constraint job_ad_requirement_ad_id_fkey;

comment on column core.job_ad_keyword.ad_id is
    'Annons-id (core.job_ad) / the ad; every value is an ad of core.job_ad (written by publish, not a foreign key)';
comment on column core.job_ad_requirement.ad_id is
    'Annons-id (core.job_ad) / the ad; every value is an ad of core.job_ad (written by publish, not a foreign key)';
