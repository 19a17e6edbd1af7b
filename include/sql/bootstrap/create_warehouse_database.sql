-- The warehouse database, owned by the loader. Identifiers are bound by the caller (psycopg.sql).
create database {database} owner {role} encoding 'UTF8' template template0
