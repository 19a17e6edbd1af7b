-- Keep an existing loader's rights, and its password in step with the connection's.
alter role {role} with login createrole password {password}
