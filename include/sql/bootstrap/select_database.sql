-- The owner of a database, if it exists.
select pg_get_userbyid(datdba) as owner
from pg_database
where datname = %(database)s
