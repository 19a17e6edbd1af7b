select municipality_code from core.municipality where in_area and retired_at is null order by 1
