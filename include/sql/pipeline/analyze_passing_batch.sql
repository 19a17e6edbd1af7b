-- Statistics of the passing rows' key columns for the publish statements' plans.
analyze passing_batch ({key})
