-- Analysts read everything already in core and mart (default privileges cover what comes later).
grant select on all tables in schema core, mart to analyst;
