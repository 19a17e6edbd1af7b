-- Vilka kompetenser har ökat mest i ett yrke i mitt län det senaste året?
-- Which skills rose fastest in an occupation in my county over the last 12 months?
-- Change: the county code ('03' = Uppsala län) and the occupation (SSYK 4, '2512' = software developers).
-- Only skills that meet the minimum counts are ranked (docs/skills.md); the rest follow, unranked.
select
    t.rank_rising,
    t.skill_label,
    t.ads_last_12m,
    t.ads_previous_12m,
    round(100 * t.share_last_12m, 1) as percent_of_ads_last_12m,
    round(100 * t.share_previous_12m, 1) as percent_of_ads_previous_12m,
    round(100 * t.share_change, 1) as change_percentage_points,
    t.ranked,
    t.window_end
from mart.skill_trend as t
where t.county_code = '03' and t.ssyk4 = '2512'
order by t.rank_rising nulls last, t.share_change desc nulls last, t.ads_last_12m desc
limit 15;
