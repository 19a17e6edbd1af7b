-- The type of every column of a staging table, for a binary COPY into it.
select a.attname as column_name, t.typname as type_name
from pg_catalog.pg_attribute as a
inner join pg_catalog.pg_type as t on t.oid = a.atttypid
where a.attrelid = ('staging.' || quote_ident(%(table)s))::regclass
  and a.attnum > 0
  and not a.attisdropped
