-- Every SUN 2020 education field code, at any level (offerings give the most detailed one they have).
select sun_field_code from core.education_field order by 1
