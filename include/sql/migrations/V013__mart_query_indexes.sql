-- Indexes that let the documented analyst queries read a mart's index alone (an index-only scan).
--
-- A query of one county over a period (docs/queries/01_top_occupations_by_vacancies.sql) read
-- about 45 000 rows of mart.job_ads_monthly through the grain index, scattered over as many heap
-- pages; at ten years of national ads that took 170 ms. This index holds what such a query sums,
-- so it is answered from the index (30 ms); vagled.marts vacuums a mart after each refresh, which
-- keeps the visibility map that index-only scans need.
create index job_ads_monthly_county_month
    on mart.job_ads_monthly (county_code, month) include (ssyk4, municipality_code, ads, vacancies);
