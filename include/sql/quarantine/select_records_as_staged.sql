-- Quarantined records (a JSON array of objects: record_no and the staged columns) typed as the
-- staging table types them: PostgreSQL reads each value with its column's input function, as a
-- text COPY would. A replay stages what this returns.
select r.record_no, {columns}
from jsonb_populate_recordset(null::staging.{table}, %(records)s::jsonb) as r
order by r.record_no
