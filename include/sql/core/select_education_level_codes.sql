-- Every SUN education level code.
select sun_level_code from core.education_level order by 1
