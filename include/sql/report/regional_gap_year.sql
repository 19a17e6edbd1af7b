-- The newest year in which the county has both vacancies and matched education places: the
-- gap chart compares the two, so a year with only one of them would say nothing.
select max(period)::integer
from mart.competence_gap
where county_code = %(county_code)s and vacancies > 0 and education_places_matched > 0
