-- For the refresh of a mart whose query joins a CTE to itself: PostgreSQL has no statistics for a
-- materialized CTE and plans the join as a nested loop over it (quadratic in its rows).
set enable_nestloop = off
