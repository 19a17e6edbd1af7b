-- A batch's quarantined rows per failed expectation (a row counts once for each of its reasons), for its Data Docs.
select reason ->> 'expectation', reason ->> 'column', reason -> 'kwargs', count(*)
from quarantine.record q
cross join lateral jsonb_array_elements(q.reasons) as reason
where q.batch_id = %(batch_id)s
group by 1, 2, 3
