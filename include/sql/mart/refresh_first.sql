-- The first build of a mart (CONCURRENTLY needs a populated view); nobody can have read it yet.
refresh materialized view {mart}
