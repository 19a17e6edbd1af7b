-- The loader: logs in, owns the warehouse database and creates the county read roles (migrate).
-- Identifiers and the password literal are bound by the caller (psycopg.sql).
create role {role} with login createrole password {password}
