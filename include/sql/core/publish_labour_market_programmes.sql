-- Merge one validated batch (one municipality's programme file(s)); the last record per key wins.
with passing as (
    select s.*
    from staging.labour_market_programme as s
    where s.batch_id = %(batch_id)s
      and not exists (
          select from quarantine.record as q
          where q.batch_id = s.batch_id and q.record_no = s.record_no
      )
),

latest as (
    select distinct on (month, municipality_code, programme, target_group) *
    from passing
    order by month, municipality_code, programme, target_group, record_no desc
)

insert into core.labour_market_programme as p
    (month, municipality_code, programme, target_group, participants, share_women_percent, cost_ksek, last_batch_id)
select month, municipality_code, programme, target_group, participants, share_women_percent, cost_ksek, batch_id
from latest
on conflict (month, municipality_code, programme, target_group) do update
set participants = excluded.participants,
    share_women_percent = excluded.share_women_percent,
    cost_ksek = excluded.cost_ksek,
    last_batch_id = excluded.last_batch_id
where (p.participants, p.share_women_percent, p.cost_ksek)
    is distinct from (excluded.participants, excluded.share_women_percent, excluded.cost_ksek)
