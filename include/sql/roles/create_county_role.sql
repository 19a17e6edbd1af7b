-- One read role per county of the area; the identifier is bound by the caller (psycopg.sql).
do $county$
begin
    if not exists (select from pg_roles where rolname = {role_literal}) then
        create role {role} nologin in role analyst;
    end if;
end
$county$;
