-- After a refresh: fresh planner statistics, dead rows of the concurrent refresh cleared, and the
-- visibility map set, so that queries covered by a mart's index read the index alone.
vacuum (analyze) {mart}
