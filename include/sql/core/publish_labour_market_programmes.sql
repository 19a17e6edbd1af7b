-- Merge one validated batch (one municipality's programme file(s)); the last record per key wins.
insert into core.labour_market_programme as p
    (month, municipality_code, programme, target_group, participants, share_women_percent, cost_ksek, last_batch_id)
select month, municipality_code, programme, target_group, participants, share_women_percent, cost_ksek, batch_id
from passing_batch
on conflict (month, municipality_code, programme, target_group) do update
set participants = excluded.participants,
    share_women_percent = excluded.share_women_percent,
    cost_ksek = excluded.cost_ksek,
    last_batch_id = excluded.last_batch_id
where (p.participants, p.share_women_percent, p.cost_ksek)
    is distinct from (excluded.participants, excluded.share_women_percent, excluded.cost_ksek)
