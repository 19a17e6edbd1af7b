-- Every batch of every feed added up: what was received, loaded, quarantined and duplicated.
select
    feed,
    count(*) as batches,
    count(*) filter (where status = 'succeeded') as succeeded,
    count(*) filter (where status in ('failed', 'rejected')) as failed,
    coalesce(sum(received), 0) as received,
    coalesce(sum(loaded), 0) as loaded,
    coalesce(sum(quarantined), 0) as quarantined,
    coalesce(sum(duplicates), 0) as duplicates
from audit.load_batch
group by feed
order by feed
