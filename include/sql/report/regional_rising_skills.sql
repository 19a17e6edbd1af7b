-- The county's fastest-rising skills over the last 12 months (all occupations), ranked only when
-- they meet the minimum counts of mart.skill_trend (docs/skills.md).
select
    t.skill_label,
    round(100 * t.share_last_12m, 1) as percent_last_12m,
    round(100 * t.share_previous_12m, 1) as percent_previous_12m,
    t.ads_last_12m,
    t.window_end
from mart.skill_trend as t
where t.county_code = %(county_code)s and t.ssyk4 is null and t.rank_rising is not null
order by t.rank_rising, t.skill_label
limit %(top)s
