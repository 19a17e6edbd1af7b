"""JobTech Taxonomy replica (``jobtech_taxonomy``) and the concepts every JobTech upstream shares.

Served like the real REST API (``/v1/taxonomy/main/concepts``, ``/v1/taxonomy/specific/concepts/<kind>``):
a JSON list of concepts with ``taxonomy/``-prefixed keys. Concept ids are real where known (the 21
counties, the 21 occupation fields, Sverige, a few municipalities and occupations) and otherwise
fake ids of the real shape derived from the code, identical in the job ads and here.
Concepts do not depend on the seed: they are facts of the taxonomy, not generated data.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from vagled.feedsim.common import (
    HttpError,
    Picker,
    Request,
    Response,
    dumps,
    fake_concept_id,
    reference,
    stable_int,
)

# Real JobTech concept ids of the 21 counties (taxonomy type "region").
REGION_CONCEPT_IDS = {
    "01": "CifL_Rzy_Mku",
    "03": "zBon_eET_fFU",
    "04": "s93u_BEb_sx2",
    "05": "oLT3_Q9p_3nn",
    "06": "MtbE_xWT_eMi",
    "07": "tF3y_MF9_h5G",
    "08": "9QUH_2bb_6Np",
    "09": "K8iD_VQv_2BA",
    "10": "DQZd_uYs_oKb",
    "12": "CaRE_1nn_cSU",
    "13": "wjee_qH2_yb6",
    "14": "zdoY_6u5_Krt",
    "17": "EVVp_h6U_GSZ",
    "18": "xTCk_nT5_Zjm",
    "19": "G6DV_fKE_Viz",
    "20": "oDpK_oZ2_WYt",
    "21": "zupA_8Nt_xcD",
    "22": "NvUF_SP1_1zo",
    "23": "65Ms_7r1_RTG",
    "24": "g5Tt_CAV_zBd",
    "25": "9hXe_F4g_eTG",
}
NUTS3_2013 = {
    "01": "SE110",
    "03": "SE121",
    "04": "SE122",
    "05": "SE123",
    "06": "SE211",
    "07": "SE212",
    "08": "SE213",
    "09": "SE214",
    "10": "SE221",
    "12": "SE224",
    "13": "SE231",
    "14": "SE232",
    "17": "SE311",
    "18": "SE124",
    "19": "SE125",
    "20": "SE312",
    "21": "SE313",
    "22": "SE321",
    "23": "SE322",
    "24": "SE331",
    "25": "SE332",
}
# Real municipality concept ids where known (Stockholm; Västmanland's ten); the rest are fake.
KNOWN_MUNICIPALITY_IDS = {
    "0180": "AvNB_uwa_6n6",
    "1980": "8deT_FRF_2SP",
    "1984": "Jkyb_5MQ_7pB",
    "1982": "7D9G_yrX_AGJ",
    "1961": "oXYf_HmD_ddE",
    "1960": "Fac5_h7a_UoM",
    "1983": "4Taz_AuG_tSm",
    "1962": "jbVe_Cps_vtd",
    "1981": "dAen_yTK_tqz",
    "1904": "Nufj_vmt_VrH",
    "1907": "jfD3_Hdg_UhT",
}
SWEDEN_CONCEPT_ID = "i46j_HmG_v64"
SWEDEN_COUNTRY_CODE = "199"

# The 21 occupation fields with their real concept ids. The legacy ids are feedsim's own numbering
# except "Hotell, restaurang, storhushåll" = 7, which a recorded real ad shows.
OCCUPATION_FIELDS = (
    ("X82t_awd_Qyc", "Administration, ekonomi, juridik"),
    ("j7Cq_ZJe_GkT", "Bygg och anläggning"),
    ("bh3H_Y3h_5eD", "Chefer och verksamhetsledare"),
    ("apaJ_2ja_LuF", "Data/IT"),
    ("RPTn_bxG_ExZ", "Försäljning, inköp, marknadsföring"),
    ("PaxQ_o1G_wWH", "Hantverk"),
    ("ScKy_FHB_7wT", "Hotell, restaurang, storhushåll"),
    ("NYW6_mP6_vwf", "Hälso- och sjukvård"),
    ("wTEr_CBC_bqh", "Industriell tillverkning"),
    ("yhCP_AqT_tns", "Installation, drift, underhåll"),
    ("Uuf1_GMh_Uvw", "Kropps- och skönhetsvård"),
    ("9puE_nYg_crq", "Kultur, media, design"),
    ("bH5L_uXD_ZAX", "Militära yrken"),
    ("VuuL_7CH_adj", "Naturbruk"),
    ("kJeN_wmw_9wX", "Naturvetenskap"),
    ("MVqp_eS8_kDZ", "Pedagogik"),
    ("whao_Q6A_ScE", "Sanering och renhållning"),
    ("E7hm_BLq_fqZ", "Säkerhet och bevakning"),
    ("ASGV_zcE_bWf", "Transport, distribution, lager"),
    ("GazW_2TU_kJw", "Yrken med social inriktning"),
    ("6Hq3_tKo_V57", "Yrken med teknisk inriktning"),
)
_FIELD_BY_LABEL = {label: (cid, label, str(i + 1)) for i, (cid, label) in enumerate(OCCUPATION_FIELDS)}

# SSYK prefix -> occupation field label; the longest matching prefix wins.
_FIELD_BY_PREFIX = {
    "0": "Militära yrken",
    "1": "Chefer och verksamhetsledare",
    "2": "Yrken med teknisk inriktning",
    "21": "Yrken med teknisk inriktning",
    "211": "Naturvetenskap",
    "213": "Naturvetenskap",
    "216": "Kultur, media, design",
    "217": "Kultur, media, design",
    "22": "Hälso- och sjukvård",
    "23": "Pedagogik",
    "24": "Administration, ekonomi, juridik",
    "243": "Försäljning, inköp, marknadsföring",
    "25": "Data/IT",
    "26": "Yrken med social inriktning",
    "261": "Administration, ekonomi, juridik",
    "264": "Kultur, media, design",
    "265": "Kultur, media, design",
    "3": "Administration, ekonomi, juridik",
    "31": "Yrken med teknisk inriktning",
    "32": "Hälso- och sjukvård",
    "33": "Administration, ekonomi, juridik",
    "332": "Försäljning, inköp, marknadsföring",
    "34": "Yrken med social inriktning",
    "343": "Kultur, media, design",
    "35": "Data/IT",
    "4": "Administration, ekonomi, juridik",
    "43": "Transport, distribution, lager",
    "5": "Yrken med social inriktning",
    "51": "Hotell, restaurang, storhushåll",
    "511": "Transport, distribution, lager",
    "514": "Kropps- och skönhetsvård",
    "515": "Sanering och renhållning",
    "52": "Försäljning, inköp, marknadsföring",
    "531": "Pedagogik",
    "532": "Hälso- och sjukvård",
    "533": "Hälso- och sjukvård",
    "54": "Säkerhet och bevakning",
    "6": "Naturbruk",
    "7": "Hantverk",
    "71": "Bygg och anläggning",
    "72": "Industriell tillverkning",
    "74": "Installation, drift, underhåll",
    "8": "Industriell tillverkning",
    "83": "Transport, distribution, lager",
    "9": "Sanering och renhållning",
    "93": "Transport, distribution, lager",
    "94": "Hotell, restaurang, storhushåll",
    "95": "Försäljning, inköp, marknadsföring",
    "962": "Installation, drift, underhåll",
}

# The occupations job ads are drawn from: SSYK 4 -> (weight, occupation names). Weights follow the
# usual mix of Platsbanken ads (care, schools, IT, transport, trade, warehouse, restaurants...).
AD_OCCUPATIONS: dict[str, tuple[float, tuple[str, ...]]] = {
    "2221": (6.0, ("Sjuksköterska, grundutbildad", "Sjuksköterska, vårdavdelning")),
    "2239": (1.5, ("Specialistsjuksköterska", "Distriktssköterska")),
    "5321": (6.0, ("Undersköterska, hemtjänst och hemsjukvård", "Undersköterska, äldreboende")),
    "5330": (2.5, ("Vårdbiträde",)),
    "5343": (4.0, ("Personlig assistent",)),
    "5342": (1.5, ("Boendestödjare",)),
    "2341": (3.0, ("Grundskollärare", "Lärare i grundskolan, årskurs 7-9")),
    "2343": (2.5, ("Förskollärare",)),
    "2330": (1.5, ("Gymnasielärare",)),
    "5311": (2.0, ("Barnskötare",)),
    "5312": (1.5, ("Elevassistent",)),
    "2512": (4.0, ("Mjukvaruutvecklare", "Systemutvecklare", "Backend-utvecklare")),
    "2511": (1.0, ("IT-arkitekt",)),
    "2514": (0.8, ("Testledare",)),
    "8332": (3.0, ("Lastbilsförare", "Distributionsförare")),
    "8331": (1.2, ("Bussförare",)),
    "5120": (2.0, ("Kock", "Specialkock")),
    "9412": (2.0, ("Restaurangbiträde", "Köksbiträde")),
    "5222": (2.5, ("Butikssäljare, dagligvaror",)),
    "5223": (2.0, ("Butikssäljare, fackhandel",)),
    "5230": (1.0, ("Kassapersonal",)),
    "3322": (2.5, ("Företagssäljare", "Key account manager")),
    "4322": (3.5, ("Lagerarbetare", "Truckförare, lager")),
    "4321": (0.7, ("Arbetsledare, lager",)),
    "7111": (1.5, ("Snickare",)),
    "7411": (1.5, ("Elektriker",)),
    "7231": (1.2, ("Fordonsmekaniker",)),
    "8211": (1.0, ("Fordonsmontör",)),
    "8219": (1.2, ("Montör",)),
    "7212": (0.8, ("Svetsare",)),
    "2144": (1.2, ("Maskiningenjör",)),
    "2143": (1.0, ("Elkraftingenjör",)),
    "2149": (0.8, ("Projektingenjör",)),
    "9111": (1.5, ("Städare", "Lokalvårdare")),
    "3411": (1.5, ("Behandlingsassistent", "Socialpedagog")),
    "2661": (1.2, ("Socialsekreterare",)),
    "2211": (1.0, ("Specialistläkare",)),
    "3313": (1.0, ("Redovisningsekonom",)),
    "4111": (0.8, ("Ekonomiassistent",)),
    "4222": (1.5, ("Kundtjänstmedarbetare",)),
    "2133": (0.4, ("Biomedicinare",)),
    "9622": (0.6, ("Vaktmästare",)),
    "5411": (0.2, ("Brandman",)),
}
# Regional profiles: Uppsala life science and IT, Linköping IT and engineering, Västerås electrical
# engineering, Örebro and Eskilstuna logistics.
COUNTY_BOOST: dict[str, dict[str, float]] = {
    "03": {"2512": 1.5, "2133": 3.0, "2211": 1.3},
    "04": {"4322": 1.7, "8211": 1.5, "8332": 1.3},
    "05": {"2512": 1.6, "2144": 1.5, "2149": 1.4},
    "18": {"4322": 1.8, "8332": 1.5, "4321": 1.6},
    "19": {"2143": 2.2, "2144": 1.6, "8219": 1.4},
}
# Real concept ids seen in a recorded ad.
_KNOWN_SSYK_IDS = {"5120": "BStc_SJh_DKG"}
_KNOWN_NAME_IDS = {("5120", "Specialkock"): ("YKhj_n5P_g4P", "5483")}
# The retired occupation name (JobTech deprecates names and points to their replacement).
DEPRECATED_NAME = ("5230", "Kassabiträde")
DEPRECATED_REPLACED_BY = ("5230", "Kassapersonal")


def region_concept_id(county_code: str) -> str:
    return REGION_CONCEPT_IDS.get(county_code) or fake_concept_id("region", county_code)


def municipality_concept_id(code: str) -> str:
    return KNOWN_MUNICIPALITY_IDS.get(code) or fake_concept_id("municipality", code)


def ssyk_concept_id(code: str) -> str:
    return _KNOWN_SSYK_IDS.get(code) or fake_concept_id(f"ssyk-level-{len(code)}", code)


def field_for_ssyk(code: str) -> tuple[str, str, str]:
    """Return (concept_id, label, legacy id) of the occupation field an SSYK code belongs to."""
    for length in range(len(code), 0, -1):
        label = _FIELD_BY_PREFIX.get(code[:length])
        if label:
            return _FIELD_BY_LABEL[label]
    return _FIELD_BY_LABEL["Administration, ekonomi, juridik"]


def occupation_names(ssyk4: str) -> tuple[str, ...]:
    """Occupation names (taxonomy type occupation-name) under an SSYK 4 code."""
    if ssyk4 in AD_OCCUPATIONS:
        return AD_OCCUPATIONS[ssyk4][1]
    return (reference().ssyk[ssyk4][1],)


def occupation_name_concept(ssyk4: str, name: str) -> tuple[str, str]:
    """Return (concept_id, legacy_ams_taxonomy_id) of an occupation name."""
    known = _KNOWN_NAME_IDS.get((ssyk4, name))
    if known:
        return known
    return fake_concept_id("occupation-name", f"{ssyk4}:{name}"), str(1000 + stable_int("legacy", ssyk4, name) % 90000)


# -- skills ----------------------------------------------------------------------------------------
# Skill concepts (type "skill", each broader than one "skill-headline") and the ESCO skills they map
# to (type "esco-skill", with an esco_uri), as the real taxonomy holds them: most skills map to ESCO
# (exact-match, sometimes close-, broad- or narrow-match), some map to nothing. Labels are Swedish
# with the taxonomy's own capitalisation; the ads' enriched terms are lower case. The labels of
# the ads' must_have/nice_to_have skills (feedsim.jobtech) are here too, with the same concept ids,
# all but "Elbehörighet": as in the real sources, the enrichment's vocabulary is not the
# taxonomy's, and a term the taxonomy does not name must still be counted.
SKILL_HEADLINES = (
    "Programmering och systemutveckling",
    "Vård och omsorg",
    "Transport och logistik",
    "Ekonomi och administration",
    "Bygg, el och industri",
    "Service och kundkontakt",
    "Livsmedel och restaurang",
    "Pedagogik",
    "Yrkesövergripande kompetenser",
)
# (label, headline index, ESCO relation or None, ESCO preferred label)
SKILLS: tuple[tuple[str, int, str | None, str], ...] = (
    ("Python", 0, "exact_match", "Python (datorprogrammering)"),
    ("Java", 0, "exact_match", "Java (datorprogrammering)"),
    ("C#", 0, "exact_match", "C#"),
    ("SQL", 0, "exact_match", "SQL"),
    ("JavaScript", 0, "exact_match", "JavaScript"),
    ("Systemutveckling", 0, "broad_match", "utveckla programvara"),
    ("Molntjänster", 0, "close_match", "molntekniker"),
    ("Testautomatisering", 0, None, ""),
    ("Läkemedelshantering", 1, "exact_match", "administrera läkemedel"),
    ("Omvårdnad", 1, "exact_match", "tillhandahålla omvårdnad"),
    ("Dokumentation", 1, "close_match", "föra journaler"),
    ("Demensvård", 1, "narrow_match", "vårda äldre"),
    ("Förflyttningsteknik", 1, None, ""),
    ("Truckkort A+B", 2, "broad_match", "köra truck"),
    ("Körkort B", 2, None, ""),
    ("Lagerhantering", 2, "exact_match", "hantera lager"),
    ("Plockning", 2, "close_match", "plocka beställningar"),
    ("Godshantering", 2, "exact_match", "hantera gods"),
    ("Ekonomisystem", 3, "close_match", "använda redovisningssystem"),
    ("Bokföring", 3, "exact_match", "bokföring"),
    ("Fakturering", 3, "exact_match", "utfärda fakturor"),
    ("Office-paketet", 3, "broad_match", "använda kontorsprogram"),
    ("Microsoft Office", 3, "broad_match", "använda kontorsprogram"),
    ("Projektledning", 5, "exact_match", "projektledning"),
    ("Svetsning", 4, "exact_match", "svetsa"),
    ("Lean", 4, "exact_match", "lean manufacturing"),
    ("Ritningsläsning", 4, "exact_match", "läsa ritningar"),
    ("CNC-bearbetning", 4, "exact_match", "använda CNC-maskiner"),
    ("Kundbemötande", 5, "close_match", "ge kundservice"),
    ("Kassahantering", 5, "exact_match", "hantera kassa"),
    ("Försäljning", 5, "broad_match", "sälja produkter"),
    ("HACCP", 6, "exact_match", "tillämpa HACCP"),
    ("Matlagning", 6, "exact_match", "laga mat"),
    ("Specialkost", 6, None, ""),
    ("Barnomsorg", 7, "close_match", "ta hand om barn"),
    ("Undervisning", 7, "broad_match", "undervisa"),
    ("Svenska i tal och skrift", 8, None, ""),
    ("Engelska", 8, "exact_match", "engelska"),
    ("Samarbetsförmåga", 8, "exact_match", "samarbeta"),
    # Two concepts share a label in different headlines: a term with that label names neither
    # (the link rule leaves it a term); a requirement names one by its id.
    ("Planering", 2, None, ""),
    ("Planering", 3, None, ""),
)
# A skill the taxonomy retired, pointing to its replacement (labels of SKILLS).
DEPRECATED_SKILL = ("Office-paketet", "Microsoft Office")


def skill_concept_id(label: str, headline: int | None = None) -> str:
    """Concept id of a skill; the same derivation as the ads' must_have/nice_to_have skills."""
    duplicates = [h for lab, h, _r, _e in SKILLS if lab == label]
    if len(duplicates) > 1 and headline is not None:
        return fake_concept_id("skill", f"{label}#{headline}")
    return fake_concept_id("skill", label)


def esco_skill_uri(label: str) -> str:
    """An ESCO skill URI of the real shape (http://data.europa.eu/esco/skill/<uuid>), derived from the label."""
    digest = f"{stable_int('esco', label, 1):016x}{stable_int('esco', label, 2):016x}"[:32]
    return (
        f"http://data.europa.eu/esco/skill/{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
    )


# -- the concept store served by the API ---------------------------------------------------------
@dataclass
class Concept:
    id: str
    type: str
    label: str
    definition: str
    extra: dict[str, str] = field(default_factory=dict)
    broader: list[str] = field(default_factory=list)
    deprecated: bool = False
    replaced_by: list[str] = field(default_factory=list)
    # ESCO mapping relations (exact_match, close_match, broad_match, narrow_match) -> concept ids
    matches: dict[str, list[str]] = field(default_factory=dict)


@functools.cache
def concepts() -> tuple[Concept, ...]:
    """Build every concept once per process (a few thousand)."""
    ref = reference()
    out: list[Concept] = [
        Concept(SWEDEN_CONCEPT_ID, "country", "Sverige", "Sverige", {"iso-3166-1-alpha-2-2013": "SE"})
    ]
    for cid, label in OCCUPATION_FIELDS:
        out.append(Concept(cid, "occupation-field", label, label))
    for code, name in sorted(ref.counties.items()):
        out.append(
            Concept(
                region_concept_id(code),
                "region",
                name,
                name,
                {"national-nuts-level-3-code-2019": code, "nuts-level-3-code-2013": NUTS3_2013.get(code, "")},
                [SWEDEN_CONCEPT_ID],
            )
        )
    # Regions abroad exist in the real taxonomy too; they have no Swedish county code.
    for nuts, name in (("NO011", "Oslo"), ("FI1B1", "Helsingfors-Nyland")):
        out.append(Concept(fake_concept_id("region", nuts), "region", name, name, {"nuts-level-3-code-2013": nuts}))
    for m in ref.municipalities:
        out.append(
            Concept(
                municipality_concept_id(m.code),
                "municipality",
                m.name,
                m.name,
                {"lau-2-code-2015": m.code},
                [region_concept_id(m.county_code)],
            )
        )
    for code, (level, label, parent) in sorted(ref.ssyk.items()):
        broader = [ssyk_concept_id(parent)] if parent else []
        if level == 4:
            broader.append(field_for_ssyk(code)[0])
        out.append(
            Concept(ssyk_concept_id(code), f"ssyk-level-{level}", label, label, {"ssyk-code-2012": code}, broader)
        )
    replacement_id = occupation_name_concept(*DEPRECATED_REPLACED_BY)[0]
    for code in ref.ssyk_codes(4):
        names = list(occupation_names(code))
        if code == DEPRECATED_NAME[0]:
            names.append(DEPRECATED_NAME[1])
        for name in names:
            cid, legacy = occupation_name_concept(code, name)
            concept = Concept(
                cid, "occupation-name", name, name, {"deprecated-legacy-id": legacy}, [ssyk_concept_id(code)]
            )
            if (code, name) == DEPRECATED_NAME:
                concept.deprecated = True
                concept.replaced_by = [replacement_id]
            out.append(concept)
    out.extend(_skill_concepts())
    return tuple(out)


def _skill_concepts() -> list[Concept]:
    out: list[Concept] = []
    headline_ids = [fake_concept_id("skill-headline", label) for label in SKILL_HEADLINES]
    for cid, label in zip(headline_ids, SKILL_HEADLINES, strict=True):
        out.append(Concept(cid, "skill-headline", label, label))
    esco: dict[str, Concept] = {}
    for label, headline, relation, esco_label in SKILLS:
        concept = Concept(skill_concept_id(label, headline), "skill", label, label, broader=[headline_ids[headline]])
        if relation:
            target = esco.get(esco_label)
            if target is None:
                uri = esco_skill_uri(esco_label)
                target = Concept(
                    fake_concept_id("esco-skill", uri), "esco-skill", esco_label, esco_label, {"esco-uri": uri}
                )
                esco[esco_label] = target
            concept.matches[relation] = [target.id]
        if label == DEPRECATED_SKILL[0]:
            concept.deprecated = True
            concept.replaced_by = [skill_concept_id(DEPRECATED_SKILL[1])]
        out.append(concept)
    out.extend(esco.values())
    return out


@functools.cache
def _by_id() -> dict[str, Concept]:
    return {c.id: c for c in concepts()}


_SPECIFIC = {
    "ssyk": ("ssyk-level-1", "ssyk-level-2", "ssyk-level-3", "ssyk-level-4"),
    "region": ("region",),
    "municipality": ("municipality",),
    "country": ("country",),
}
_SPECIFIC_ATTR = {
    "ssyk": ("ssyk-code-2012",),
    "region": ("national-nuts-level-3-code-2019", "nuts-level-3-code-2013"),
    "municipality": ("lau-2-code-2015",),
    "country": ("iso-3166-1-alpha-2-2013",),
}


def _short(concept: Concept) -> dict[str, object]:
    return {"taxonomy/id": concept.id, "taxonomy/type": concept.type, "taxonomy/preferred-label": concept.label}


def _render(concept: Concept, attrs: tuple[str, ...]) -> dict[str, object]:
    out: dict[str, object] = {
        "taxonomy/id": concept.id,
        "taxonomy/type": concept.type,
        "taxonomy/definition": concept.definition,
        "taxonomy/preferred-label": concept.label,
    }
    for attr in attrs:
        if concept.extra.get(attr):
            out[f"taxonomy/{attr}"] = concept.extra[attr]
    if concept.deprecated:
        out["taxonomy/deprecated"] = True
        out["taxonomy/replaced-by"] = [_short(_by_id()[rid]) for rid in concept.replaced_by]
    return out


def _select(req: Request, allowed_types: tuple[str, ...] | None) -> list[Concept]:
    types = set(req.qlist("type")) or None
    if allowed_types is not None:
        types = (types & set(allowed_types)) if types else set(allowed_types)
    ids = set(req.qlist("id"))
    label = (req.q("preferred-label") or "").casefold()
    related = req.qlist("related-ids")
    relation = req.q("relation")
    if related and relation not in ("broader", "narrower", "related"):
        raise HttpError(400, "relation must be one of broader, narrower, related when related-ids is given")
    include_deprecated = (req.q("include-deprecated") or "false").lower() == "true"
    only_deprecated = (req.q("deprecated") or "").lower() == "true"
    related_set: set[str] | None = None
    if related:
        by_id = _by_id()
        if relation == "broader":  # concepts broader than the related ids (their parents)
            related_set = {b for rid in related if rid in by_id for b in by_id[rid].broader}
        elif relation == "narrower":  # concepts narrower than the related ids (their children)
            wanted = set(related)
            related_set = {c.id for c in concepts() if wanted.intersection(c.broader)}
        else:
            related_set = set()
    out = []
    for concept in concepts():
        if types and concept.type not in types:
            continue
        if ids and concept.id not in ids:
            continue
        if label and concept.label.casefold() != label:
            continue
        if related_set is not None and concept.id not in related_set:
            continue
        if only_deprecated and not concept.deprecated:
            continue
        if concept.deprecated and not (include_deprecated or only_deprecated or ids):
            continue
        out.append(concept)
    return out


def _apply_faults(req: Request, records: list[dict[str, object]]) -> list[dict[str, object]]:
    if req.fault("empty_page"):
        return []
    dup, bad, missing = Picker(req, "duplicates"), Picker(req, "bad_codes"), Picker(req, "missing_fields")
    drift = req.fault("schema_drift")
    out: list[dict[str, object]] = []
    for record in records:
        key = record["taxonomy/id"]
        if bad(key):
            for attr, value in (
                ("taxonomy/ssyk-code-2012", "99999"),
                ("taxonomy/lau-2-code-2015", "9999"),
                ("taxonomy/national-nuts-level-3-code-2019", "99"),
            ):
                if attr in record:
                    record[attr] = value
        if missing(key):
            record.pop("taxonomy/preferred-label", None)
        if drift and "taxonomy/preferred-label" in record:
            # The older API spelled it camelCase; a client must notice, not load nulls.
            record = {
                ("taxonomy/preferredLabel" if k == "taxonomy/preferred-label" else k): v for k, v in record.items()
            }
        out.append(record)
        if dup(key):
            out.append(dict(record))
    return out


# -- GraphQL (/v1/taxonomy/graphql?query=...) ---------------------------------------------------------
# A real GraphQL executor (graphql-core) over the concept store, so a query naming a field or an
# argument the schema lacks is answered with GraphQL errors, as the real endpoint does. Field and
# argument names follow the real API's snake_case (preferred_label, include_deprecated, esco_uri,
# replaced_by, exact_match ...); see docs/upstreams/jobtech-taxonomy.md for the evidence.
_MATCH_INVERSE = {
    "exact_match": "exact_match",
    "close_match": "close_match",
    "broad_match": "narrow_match",
    "narrow_match": "broad_match",
}
TAXONOMY_VERSION = 27


@functools.cache
def _match_index() -> dict[tuple[str, str], list[str]]:
    """(concept id, relation) -> related concept ids, both directions of every mapping."""
    index: dict[tuple[str, str], list[str]] = {}
    for concept in concepts():
        for relation, targets in concept.matches.items():
            for target in targets:
                index.setdefault((concept.id, relation), []).append(target)
                index.setdefault((target, _MATCH_INVERSE[relation]), []).append(concept.id)
    return index


def _filtered(items: list[Concept], args: dict) -> list[Concept]:
    wanted_type, wanted_id = args.get("type"), args.get("id")
    return [c for c in items if (not wanted_type or c.type == wanted_type) and (not wanted_id or c.id == wanted_id)]


@functools.cache
def graphql_schema():
    """The GraphQL schema of the concepts feedsim serves (built once per process)."""
    from graphql import (
        GraphQLArgument,
        GraphQLBoolean,
        GraphQLField,
        GraphQLInt,
        GraphQLList,
        GraphQLNonNull,
        GraphQLObjectType,
        GraphQLSchema,
        GraphQLString,
    )

    by_id = _by_id()

    def attr(name: str):
        return lambda concept, _info: concept.extra.get(name)

    def related(kind: str):
        def resolve(concept: Concept, _info, **args) -> list[Concept]:
            if kind == "broader":
                ids = concept.broader
            elif kind == "narrower":
                ids = [c.id for c in concepts() if concept.id in c.broader]
            elif kind == "replaced_by":
                ids = concept.replaced_by
            else:
                ids = _match_index().get((concept.id, kind), [])
            return _filtered([by_id[i] for i in ids], args)

        return resolve

    relation_args = {"type": GraphQLArgument(GraphQLString), "id": GraphQLArgument(GraphQLString)}
    concept_type: GraphQLObjectType = GraphQLObjectType(
        "Concept",
        lambda: {
            "id": GraphQLField(GraphQLNonNull(GraphQLString)),
            "type": GraphQLField(GraphQLNonNull(GraphQLString)),
            "preferred_label": GraphQLField(GraphQLString, resolve=lambda c, _i: c.label),
            "definition": GraphQLField(GraphQLString),
            "deprecated": GraphQLField(GraphQLBoolean),
            "uri": GraphQLField(
                GraphQLString, resolve=lambda c, _i: f"http://data.jobtechdev.se/taxonomy/concept/{c.id}"
            ),
            "esco_uri": GraphQLField(GraphQLString, resolve=attr("esco-uri")),
            "ssyk_code_2012": GraphQLField(GraphQLString, resolve=attr("ssyk-code-2012")),
            "lau_2_code_2015": GraphQLField(GraphQLString, resolve=attr("lau-2-code-2015")),
            "national_nuts_level_3_code_2019": GraphQLField(
                GraphQLString, resolve=attr("national-nuts-level-3-code-2019")
            ),
            "deprecated_legacy_id": GraphQLField(GraphQLString, resolve=attr("deprecated-legacy-id")),
            **{
                kind: GraphQLField(GraphQLList(concept_type), args=relation_args, resolve=related(kind))
                for kind in ("broader", "narrower", "replaced_by", *_MATCH_INVERSE)
            },
        },
    )

    def resolve_concepts(_root, _info, **args) -> list[Concept]:
        include_deprecated = bool(args.get("include_deprecated"))
        ids = args.get("id")
        selected = [
            c
            for c in concepts()
            if (not args.get("type") or c.type == args["type"])
            and (not ids or c.id == ids)
            and (include_deprecated or ids or not c.deprecated)
        ]
        offset = args.get("offset") or 0
        limit = args.get("limit")
        return selected[offset : None if limit is None else offset + limit]

    version_type = GraphQLObjectType(
        "Version", {"id": GraphQLField(GraphQLInt), "timestamp": GraphQLField(GraphQLString)}
    )
    query = GraphQLObjectType(
        "Query",
        {
            "concepts": GraphQLField(
                GraphQLList(concept_type),
                args={
                    "type": GraphQLArgument(GraphQLString),
                    "id": GraphQLArgument(GraphQLString),
                    "include_deprecated": GraphQLArgument(GraphQLBoolean),
                    "limit": GraphQLArgument(GraphQLInt),
                    "offset": GraphQLArgument(GraphQLInt),
                    "version": GraphQLArgument(GraphQLInt),
                },
                resolve=resolve_concepts,
            ),
            "versions": GraphQLField(
                GraphQLList(version_type),
                resolve=lambda _r, _i: [{"id": TAXONOMY_VERSION, "timestamp": "2026-06-02T10:00:00Z"}],
            ),
        },
    )
    return GraphQLSchema(query)


def _graphql(req: Request) -> Response:
    from graphql import graphql_sync

    text = req.q("query")
    if not text:
        raise HttpError(400, "query parameter 'query' (a GraphQL document) is required")
    if req.fault("schema_drift"):
        # the API renamed a field: the query that named it no longer validates
        text = text.replace("preferred_label", "preferredLabel")
    result = graphql_sync(graphql_schema(), text)
    if result.errors:
        return Response(body=dumps({"errors": [{"message": e.message} for e in result.errors], "data": None}))
    data = result.data or {}
    listed = data.get("concepts")
    if isinstance(listed, list):
        if req.fault("empty_page"):
            listed = []
        dup, missing = Picker(req, "duplicates"), Picker(req, "missing_fields")
        out: list[dict] = []
        for concept in listed:
            key = concept.get("id") if isinstance(concept, dict) else None
            if missing(key) and isinstance(concept, dict):
                concept = {k: v for k, v in concept.items() if k != "preferred_label"}
            out.append(concept)
            if dup(key):
                out.append(dict(concept))
        data["concepts"] = out
    return Response(body=dumps({"data": data}))


def handle(req: Request) -> Response:
    """Route a jobtech_taxonomy request."""
    path = req.path.rstrip("/")
    if path == "/v1/taxonomy/graphql":
        return _graphql(req)
    if path == "/v1/taxonomy/main/concepts":
        selected = _select(req, None)
        attrs: tuple[str, ...] = ()
    elif path.startswith("/v1/taxonomy/specific/concepts/"):
        kind = path.rsplit("/", 1)[1]
        if kind not in _SPECIFIC:
            raise HttpError(404, f"no specific endpoint {kind!r}; known: {', '.join(_SPECIFIC)}")
        selected = _select(req, _SPECIFIC[kind])
        attrs = _SPECIFIC_ATTR[kind]
        for attr in attrs:
            wanted = req.qlist(attr)
            if wanted:
                selected = [c for c in selected if c.extra.get(attr) in wanted]
    elif path == "/v1/taxonomy/main/concept/types":
        return Response(body=dumps(sorted({c.type for c in concepts()})))
    elif path == "/v1/taxonomy/main/versions":
        return Response(body=dumps([{"taxonomy/version": 27, "taxonomy/timestamp": "2026-06-02T10:00:00Z"}]))
    else:
        raise HttpError(404, f"no such taxonomy endpoint: {req.path}")
    offset = req.qint("offset", 0, lo=0)
    limit = req.qint("limit", len(selected) or 1, lo=1)
    records = [_render(c, attrs) for c in selected[offset : offset + limit]]
    return Response(body=dumps(_apply_faults(req, records)))
