-- Whether a role exists (roles are cluster-wide).
select 1
from pg_roles
where rolname = %(role)s
