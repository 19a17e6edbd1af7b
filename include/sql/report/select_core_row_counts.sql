-- Row counts of every table in core, from the catalog (exact counts follow per table).
select table_name
from information_schema.tables
where table_schema = 'core' and table_type = 'BASE TABLE'
order by table_name
