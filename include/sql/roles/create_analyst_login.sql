-- A person's login in their county's read role; identifiers and the password are bound by the
-- caller (psycopg.sql). The county role gives every mart, and that county's restricted rows.
create role {login} login password {password} in role {county_role}
