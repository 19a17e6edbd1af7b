-- Share established 1, 3 and 5 years after the diploma per cohort, the county's vocational and
-- preparatory programmes taken together (Skolverket's own aggregate sheets), all owners.
select
    t.cohort,
    t.programme_name,
    t.years_after,
    t.share_established
from mart.education_transitions as t
where t.county_code = %(county_code)s
  and t.region_level = 'county'
  and t.owner_type = 'samtliga'
  and t.programme_code in ('alla_yrkesprogram', 'alla_hogskoleforberedande')
order by t.cohort, t.programme_name, t.years_after
