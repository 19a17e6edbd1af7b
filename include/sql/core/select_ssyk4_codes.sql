select ssyk_code from core.occupation where ssyk_level = 4 and retired_at is null order by 1
