-- Merge one validated yrkesbarometer file: every round is kept, keyed as the file is; the same
-- round fetched again changes nothing unless the agency corrected a row.
insert into core.occupational_outlook as o (
    omgang, yb_concept_id, lan, yb_yrke, yrkesomrade, ssyk4, delvis_helt, jobbmojligheter,
    rekryteringssituation, paradox, prognos, hogsta_bedomningsniva, text_jobbmojligheter,
    text_rekryteringssituation, taxonomi_version, first_batch_id, last_batch_id
)
select
    omgang, yb_concept_id, lan, yb_yrke, yrkesomrade, ssyk4, delvis_helt, jobbmojligheter,
    rekryteringssituation, paradox::jsonb, prognos, hogsta_bedomningsniva, text_jobbmojligheter,
    text_rekryteringssituation, taxonomi_version, batch_id, batch_id
from passing_batch
on conflict (omgang, yb_concept_id, lan) do update
set yb_yrke = excluded.yb_yrke,
    yrkesomrade = excluded.yrkesomrade,
    ssyk4 = excluded.ssyk4,
    delvis_helt = excluded.delvis_helt,
    jobbmojligheter = excluded.jobbmojligheter,
    rekryteringssituation = excluded.rekryteringssituation,
    paradox = excluded.paradox,
    prognos = excluded.prognos,
    hogsta_bedomningsniva = excluded.hogsta_bedomningsniva,
    text_jobbmojligheter = excluded.text_jobbmojligheter,
    text_rekryteringssituation = excluded.text_rekryteringssituation,
    taxonomi_version = excluded.taxonomi_version,
    last_batch_id = excluded.last_batch_id
where (o.yb_yrke, o.yrkesomrade, o.ssyk4, o.delvis_helt, o.jobbmojligheter, o.rekryteringssituation, o.paradox,
       o.prognos, o.hogsta_bedomningsniva, o.text_jobbmojligheter, o.text_rekryteringssituation, o.taxonomi_version)
      is distinct from
      (excluded.yb_yrke, excluded.yrkesomrade, excluded.ssyk4, excluded.delvis_helt, excluded.jobbmojligheter,
       excluded.rekryteringssituation, excluded.paradox, excluded.prognos, excluded.hogsta_bedomningsniva,
       excluded.text_jobbmojligheter, excluded.text_rekryteringssituation, excluded.taxonomi_version)
