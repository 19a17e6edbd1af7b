-- Every relation analysts can read (schemas core and mart) with its columns and the comments
-- the migrations put on them: the source of docs/data-dictionary.md.
select
    n.nspname as schema_name,
    c.relname as relation_name,
    case c.relkind when 'r' then 'table' when 'p' then 'table' when 'v' then 'view'
        when 'm' then 'materialized view' end as kind,
    obj_description(c.oid, 'pg_class') as relation_comment,
    c.relrowsecurity as row_level_security,
    a.attnum as column_no,
    a.attname as column_name,
    format_type(a.atttypid, a.atttypmod) as column_type,
    not a.attnotnull as nullable,
    col_description(c.oid, a.attnum) as column_comment
from pg_class as c
inner join pg_namespace as n on n.oid = c.relnamespace
inner join pg_attribute as a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
where n.nspname in ('core', 'mart') and c.relkind in ('r', 'p', 'v', 'm')
order by n.nspname desc, c.relname, a.attnum
