-- Merge one validated batch of Skolverket's establishment statistics; the last record per key wins.
insert into core.education_transition as t (
    cohort_year, programme_code, region_code, owner_type, years_after, cohort, activity_year,
    region_level, county_code, municipality_code, graduates, graduates_status,
    share_established, share_established_status, share_studying, share_studying_status, last_batch_id
)
select
    cohort_year, programme_code, region_code, owner_type, years_after, cohort, activity_year,
    region_level, county_code, municipality_code, graduates, graduates_status,
    share_established, share_established_status, share_studying, share_studying_status, batch_id
from passing_batch
on conflict (cohort_year, programme_code, region_code, owner_type, years_after) do update
set cohort = excluded.cohort,
    activity_year = excluded.activity_year,
    region_level = excluded.region_level,
    county_code = excluded.county_code,
    municipality_code = excluded.municipality_code,
    graduates = excluded.graduates,
    graduates_status = excluded.graduates_status,
    share_established = excluded.share_established,
    share_established_status = excluded.share_established_status,
    share_studying = excluded.share_studying,
    share_studying_status = excluded.share_studying_status,
    last_batch_id = excluded.last_batch_id
where (
    t.cohort, t.activity_year, t.region_level, t.county_code, t.municipality_code, t.graduates,
    t.graduates_status, t.share_established, t.share_established_status, t.share_studying,
    t.share_studying_status
) is distinct from (
    excluded.cohort, excluded.activity_year, excluded.region_level, excluded.county_code,
    excluded.municipality_code, excluded.graduates, excluded.graduates_status, excluded.share_established,
    excluded.share_established_status, excluded.share_studying, excluded.share_studying_status
)
