-- Whether each mart has been built, and its size, for the refresh log.
select c.relname as mart, c.relispopulated as populated
from pg_class as c
inner join pg_namespace as n on n.oid = c.relnamespace
where n.nspname = 'mart' and c.relkind = 'm'
order by c.relname
