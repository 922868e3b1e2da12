"""The exclusion list readers (odoo_addon/medsync/services/screening_lists.py):
the published formats of OIG LEIE, SAM.gov and OFAC, their quirks, the diff
of two full files, and problems named with the line a spreadsheet shows.
The module imports the standard library only and is loaded by path."""

import importlib.util
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

PATH = Path(__file__).resolve().parent.parent / "odoo_addon" / "medsync" / "services" / "screening_lists.py"
spec = importlib.util.spec_from_file_location("medsync_screening_lists", PATH)
sl = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sl)

LEIE = (
    "LASTNAME,FIRSTNAME,MIDNAME,BUSNAME,GENERAL,SPECIALTY,UPIN,NPI,DOB,ADDRESS,CITY,STATE,ZIP,EXCLTYPE,EXCLDATE,"
    "REINDATE,WAIVERDATE,WVRSTATE\r\n"
    "HALE,ROBERT,T,,IND- LIC HC SERV PRO,HOME HEALTH AGENCY,,0000000000,19610412,9 ELM CT,ALLENTOWN,PA,18101,"
    "1128a1,20230321,00000000,00000000,\r\n"
    ",,,SUMMIT ORTHOPAEDIC IMPLANTS,BUSINESS,MEDICAL SUPPLY,,1245319599,,4410 RESEARCH FOREST DRIVE,"
    "THE WOODLANDS,TX,77381,1128b7,20250815,00000000,00000000,\r\n"
    "VANCE,OLIVER,,,IND- LIC HC SERV PRO,NURSE,,0000000000,19700101,1 A ST,AUSTIN,TX,73301,1128b4,20190101,"
    "20240601,00000000,\r\n"
)


def test_leie_rows_kinds_dates_and_no_date_of_birth():
    rows = sl.parse("leie", LEIE.encode(), today=date(2026, 12, 7))
    hale, summit, vance = rows
    assert (hale["kind"], hale["first"], hale["last"], hale["middle"], hale["row"]) == (
        "individual", "ROBERT", "HALE", "T", 2)
    assert hale["npi"] == "" and hale["date_excluded"] == date(2023, 3, 21) and hale["date_reinstated"] is None
    assert summit["kind"] == "entity" and summit["name"] == "SUMMIT ORTHOPAEDIC IMPLANTS"
    assert summit["npi"] == "1245319599" and summit["zip"] == "77381"
    assert vance["date_reinstated"] == date(2024, 6, 1) and not vance["active"]
    assert all(r["active"] for r in (hale, summit))
    # the date of birth is read past: in no value, not in the digests either
    assert not any("19610412" in str(v) for r in rows for v in r.values())
    changed_dob = LEIE.replace("19610412", "19610413")
    assert [r["content"] for r in sl.parse("leie", changed_dob.encode())] == [r["content"] for r in rows]


def test_leie_problems_name_their_lines():
    bad = LEIE + "SHORT,ROW\r\n" + "X,Y,,,,,,0,0,A,B,C,D,E,2023-13-01,0,0,\r\n"
    with pytest.raises(sl.ListError) as err:
        sl.parse("leie", bad.encode())
    assert [line for line, _m in err.value.problems] == [5, 6]
    with pytest.raises(sl.ListError) as err:
        sl.parse("leie", b"NAME,NPI\nA,1\n")
    assert err.value.problems[0][0] == 1 and "LASTNAME" in err.value.problems[0][1]


def test_sam_indefinite_termination_classification_and_iso_dates():
    head = ("Classification,Name,Prefix,First,Middle,Last,Suffix,Address 1,Address 2,Address 3,Address 4,City,"
            "State / Province,Country,Zip Code,Open Data Flag,Unique Entity ID,Exclusion Program,Excluding Agency,"
            "CT Code,Exclusion Type,Additional Comments,Active Date,Termination Date,Record Status,"
            "Cross-Reference,SAM Number,CAGE,NPI,Creation_Date\n")
    body = ('Firm,"APEX MEDICAL BILLING GROUP",,,,,,88 COMMERCE WAY,,,,TAMPA,FL,USA,33602,Y,APX4M9B2KD71,'
            "Reciprocal,HHS,,Prohibition/Restriction,,03/14/2025,Indefinite,Active,,S1,8KT21,,03/14/2025\n"
            "Individual,,,MARGARET,A,COLLINS,,12 PINE RD,,,,DENVER,CO,USA,80202,Y,,Reciprocal,OPM,,x,,"
            "2024-01-02,2025-01-02,Active,,S2,,,2024-01-02\n"
            "Vessel,SEA STAR,,,,,,,,,,,,,,Y,,Reciprocal,TREAS,,x,,01/01/2020,Indefinite,Active,,S3,,,01/01/2020\n")
    apex, collins, vessel = sl.parse("sam", (head + body).encode("utf-8-sig"), today=date(2026, 12, 7))
    assert (apex["kind"], apex["uei"], apex["cage"], apex["country"], apex["key"]) == (
        "entity", "APX4M9B2KD71", "8KT21", "US", "S1")
    assert apex["active"] and apex["date_reinstated"] is None
    assert collins["kind"] == "individual" and collins["name"] == "MARGARET A COLLINS"
    assert not collins["active"] and collins["date_reinstated"] == date(2025, 1, 2)
    assert vessel["kind"] == "other"


def test_ofac_sdn_with_addresses_and_end_of_file_mark():
    sdn = ('36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
           '306,"HERNANDEZ, Juan Carlos",individual,"SDNT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 1960"\r\n'
           '15036,"ARMADA",vessel,"SDGT",-0- ,"9HA2433",-0- ,-0- ,-0- ,"Malta",-0- ,-0- \r\n\x1a')
    add = '36,25,"Calle 23 No. 64","Havana 10400",Cuba,-0- \r\n'
    air, person, ship = sl.parse("ofac", sdn.encode("latin-1"), add.encode("latin-1"))
    assert air["kind"] == "entity" and air["street"] == "Calle 23 No. 64" and air["country"] == "Cuba"
    assert (person["kind"], person["last"], person["first"]) == ("individual", "HERNANDEZ", "Juan Carlos")
    assert ship["kind"] == "other" and ship["key"] == "15036"


def test_diff_of_two_full_files():
    old = sl.parse("leie", LEIE.encode())
    lines = LEIE.split("\r\n")
    lines[1] = lines[1].replace("9 ELM CT", "11 OAK AVE")  # Hale moved: changed
    del lines[3]  # Vance left the list: removed
    lines.insert(3, "NEW,PERSON,,,,,,0000000000,0,1 B ST,X,TX,75001,1128a1,20260101,00000000,00000000,")
    new = sl.parse("leie", "\r\n".join(lines).encode())
    added, changed, removed = sl.diff({e["key"]: e["content"] for e in old}, new)
    by_key = {e["key"]: e for e in old + new}
    assert [by_key[k]["last"] for k in added] == ["NEW"]
    assert [by_key[k]["last"] for k in changed] == ["HALE"]
    assert [by_key[k]["last"] for k in removed] == ["VANCE"]
    assert sl.diff({e["key"]: e["content"] for e in new}, new) == ([], [], [])


@given(st.lists(st.tuples(st.sampled_from(["SMITH", "NGUYEN", "O'BRIEN", "DE LA CRUZ"]),
                          st.sampled_from(["ANN", "JOSÉ", ""]), st.integers(0, 3)), max_size=30))
def test_keys_are_unique_even_for_identical_rows(people):
    rows = [LEIE.split("\r\n")[0]] + [
        f"{last},{first},,,,,,0000000000,0,1 A ST,X,TX,75001,1128a{n},20200101,00000000,00000000,"
        for last, first, n in people]
    entries = sl.parse("leie", "\r\n".join(rows).encode())
    assert len({e["key"] for e in entries}) == len(entries) == len(people)
    assert [e["row"] for e in entries] == list(range(2, len(people) + 2))
