"""A generated screening world: vendors (entities) and their principals
(1-3 people each) as subjects; OIG LEIE, SAM.gov and OFAC SDN rows as list
entries, with planted hits and near misses. Deterministic for a seed.

Names follow realistic frequencies, because coincidental namesakes are the
hard part of screening: the 350 most common US surnames (in census order)
take about 30 % of people with p(k) = 0.83 % x k^-0.5 (Smith 0.83 %, the
350th 0.04 %), the rest come from a long tail of generated surnames (a
few thousand shared by a handful of people each, and rarer ones); 240
common first names take 85 % with p(k) ~ k^-0.4 (the most common about
2 %), generated ones the rest. Cities: 300, weighted ~ k^-0.5 (the largest
about 3 % of people), each with its ZIP codes. Vendor names are a family
name, a place word or a coined brand with an industry word and a legal
form, so that generic names ("Summit Medical Supply") repeat by chance as
they do in life.

Planted hits (the truth) and what each keeps of the subject:
entity: exact copy; legal form changed and the address re-typed; one typo
in a name word; lookalike characters (digits, Cyrillic letters); the
vendor's NPI under another name and address (LEIE); the vendor's UEI
under an abbreviated name elsewhere (SAM); the name in the same city at
another street; the name alone (moved to another city).
individual: exact copy; the name reordered ("SMITH, JOHN A" or separate
fields); one typo in the first or last name; the first initial only; the
principal's NPI (LEIE) elsewhere; the name in the same city; the name
alone (moved).
Near misses (not hits): the same surname with another first name at
another address, and a vendor's brand word with another industry word
elsewhere.
"""

from __future__ import annotations

import math
import random
import string

SURNAMES = """
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson
Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis
Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall
Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes
Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard
Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez
Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell Coleman
Butler Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson Alexander Hamilton Graham
Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens
Murray Ford Castro Marshall Owens Harrison Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry
Chen Freeman Webb Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder
Mason Dixon Munoz Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills
Meyer Rice Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kelley
Spencer Hawkins Arnold Pierce Vazquez Hansen Peters Santos Hart Bradley Knight Elliott Cunningham Duncan
Armstrong Hudson Carroll Lane Riley Andrews Alvarado Ray Delgado Berry Perkins Hoffman Johnston Matthews
Pena Richards Contreras Willis Carpenter Lawrence Sandoval Guerrero George Chapman Rios Estrada Ortega
Watkins Greene Nunez Wheeler Valdez Harper Burke Larson Santiago Maldonado Morrison Franklin Carlson Austin
Dominguez Carr Lawson Jacobs OBrien Lynch Singh Vega Bishop Montgomery Oliver Jensen Harvey Williamson
Gilbert Dean Sims Espinoza Howell Li Wong Reid Hanson Le McCoy Garrett Burton Fuller Wang Weber Welch Rojas
Lucas Marquez Fields Park Yang Little Banks Padilla Day Walsh Bowman Schultz Luna Fowler Mejia Davidson
Acosta Brewer May Holland Juarez Newman Pearson Curtis Cortez Douglas Schneider Joseph Barrett Navarro
Figueroa Keller Avila Wade Molina Stanley Hopkins Campos Barnett Bates Chambers Caldwell Beck Lambert Miranda
Byrd Craig Ayala Lowe Frazier Powers Neal Leonard Gregory Carrillo Sutton Fleming Rhodes Shelton Schwartz
Norris Jennings Watts Duran Walters Cohen McDaniel Moran Parks Steele Vaughn Becker Holt Deleon Barker
""".split()

FIRST = """
James Mary Michael Robert John Patricia Jennifer David William Linda Richard Elizabeth Joseph Barbara Thomas
Susan Christopher Jessica Charles Sarah Daniel Karen Matthew Lisa Anthony Nancy Mark Betty Donald Sandra
Steven Margaret Paul Ashley Andrew Kimberly Joshua Emily Kenneth Donna Kevin Michelle Brian Carol George
Amanda Timothy Dorothy Ronald Melissa Edward Deborah Jason Stephanie Jeffrey Rebecca Ryan Sharon Jacob Laura
Gary Cynthia Nicholas Kathleen Eric Amy Jonathan Angela Stephen Shirley Larry Anna Justin Brenda Scott Pamela
Brandon Emma Benjamin Nicole Samuel Helen Gregory Samantha Alexander Katherine Frank Christine Patrick Debra
Raymond Rachel Jack Carolyn Dennis Janet Jerry Catherine Tyler Maria Aaron Heather Jose Diane Adam Ruth Nathan
Julie Henry Olivia Douglas Joyce Zachary Virginia Peter Victoria Kyle Kelly Ethan Lauren Walter Christina
Noah Joan Jeremy Evelyn Christian Judith Keith Megan Roger Andrea Terry Cheryl Gerald Hannah Harold Jacqueline
Sean Martha Austin Gloria Carl Teresa Arthur Ann Lawrence Sara Dylan Madison Jesse Frances Jordan Kathryn
Bryan Janice Billy Jean Joe Abigail Bruce Alice Gabriel Judy Logan Sophia Albert Grace Willie Denise Alan
Amber Juan Doris Wayne Marilyn Elijah Danielle Randy Beverly Roy Isabella Vincent Theresa Ralph Diana Eugene
Natalie Russell Brittany Bobby Charlotte Mason Marie Philip Kayla Louis Alexis Luis Lori Carlos Wei Priya
Mohammed Fatima Ahmed Mei Raj Aisha Omar Elena Ivan Olga Hiroshi Yuki Miguel Rosa Jorge Carmen Pedro Lucia
""".split()

TAIL_HEAD = """
Ash Brink Castel Dal Elling Fair Gold Hol Ing Jes Kirk Lang Mal Nor Oak Pem Quar Ros Stan Tal Und Var Went
Yar Zell Abel Bar Cor Dun Esk Fen Gar Hart Ire Jor Kes Lin Mont Nash Olm Pal Rad Sel Thorn Ulm Ves Wal Yor
Zim Bel Cal Del Har Kel Mar Mer Sal Tor Wes Kow Nov Pet Sor Vas Zab Kuz Lev Mor Pol Brod Crom Dorn Fitz
""".split()
TAIL_MID = ["", "", "", "a", "e", "i", "o", "an", "er", "in", "on", "el", "ar"]
TAIL_END = """
worth ley ford ton field man son stein berg er ski czyk enko ova ez ini elli ano etti ard holm quist strom
croft hurst wick well wood by dale ham ridge ville more land kin ling gard heim mann
""".split()
FIRST_ON = ["Ja", "Ka", "Lo", "Ma", "Ne", "Ra", "Sa", "Ta", "Da", "Ze", "Bri", "Cal", "Ar", "El", "Jo", "Le", "Mi"]
FIRST_END = ["lyn", "ron", "den", "nna", "ya", "son", "rel", "vin", "ley", "na", "ric", "lia", "ton", "rah", "nell"]

SYLLABLES = """
ka lo mi ne ra so ti va ze bri cor dal en fi gal hy ix jo ko lu ma no or pe qui re sa tu ul ve wy xa yo zo
al be ci do el fa gi ha in ja ke li mo nu op pa ri se ta un vi we xe ya zi ar
""".split()
BRAND_END = """
x tek cor dyne gen med via nix tis lon vant sys quest core tron ix ium ara elle ent on us a o is
""".split()
PLACES = """
Pacific Summit Lakeside Riverside Northstar Evergreen Bayside Keystone Heartland Midwest Carolina Sierra
Cascade Empire Liberty Pioneer Frontier Coastal Valley Prairie Harbor Capitol Metro Suncoast Gateway
Crossroads Meridian Horizon Beacon Landmark Heritage Premier Allied Unity Compass Pinnacle Cornerstone
Granite Redwood Bluewater Silverline Ironwood Oakmont Westfield Eastgate Southland Northfield Highland
Lowcountry Tidewater Piedmont Ozark Bluegrass Magnolia Palmetto Lonestar Golden Desert Canyon Mesa Alpine
Glacier Aurora Sunrise Sunset Twin Rivers Three Rivers Tri State Great Plains Blue Ridge Green Valley
""".split("\n")
PLACES = [p for line in PLACES for p in line.split() if p]
INDUSTRY = [
    "Medical Supply", "Surgical", "Healthcare", "Pharmaceuticals", "Diagnostics", "Home Health", "Laboratories",
    "Medical Equipment", "Orthopedics", "Dental Supply", "Biomedical", "Imaging", "Respiratory Care",
    "Health Services", "Pharmacy", "Clinical Services", "Mobility", "Infusion Services", "Medical Staffing",
    "Medical Transport", "Wound Care", "Sterilization", "Medical Devices", "Care Partners", "Lab Services",
]
FORMS = ["Inc", "Inc.", "LLC", "L.L.C.", "Corp", "Corporation", "Co", "LP", "Ltd", "PLLC", "", "", ""]
STREETS = """
Main Oak Maple Washington Park Elm Lake Hill Cedar Pine Walnut Spring Church Center North South Mill River
Highland Lincoln Jackson Franklin Jefferson Madison Adams Chestnut Sunset Ridge Forest Meadow Valley Willow
Cherry Dogwood Magnolia Hickory Birch Spruce Laurel Poplar Sycamore Cypress Holly Vine Grove Orchard Prospect
Pleasant Union Market Water Bridge School Court College Academy Green Broad Front Second Third Fourth Fifth
Sixth Seventh Eighth Ninth Tenth Commerce Industrial Harbor Bay Ocean Shore Canyon Mesa Desert Mountain Summit
Liberty Independence Heritage Colonial Victoria Windsor Cambridge Oxford Kingston Hampton Princeton Stratford
""".split()
STREET_TYPES = [("Street", "St"), ("Avenue", "Ave"), ("Road", "Rd"), ("Boulevard", "Blvd"), ("Drive", "Dr"),
                ("Lane", "Ln"), ("Court", "Ct"), ("Place", "Pl"), ("Parkway", "Pkwy"), ("Way", "Way")]  # fmt: skip
DIRECTIONS = [("North", "N"), ("South", "S"), ("East", "E"), ("West", "W")]
STATES = "CA TX FL NY PA IL OH GA NC MI NJ VA WA AZ MA TN IN MO MD WI CO MN SC AL LA KY OR OK CT UT IA NV AR".split()
REAL_CITIES = """
New York,NY,100;Los Angeles,CA,900;Chicago,IL,606;Houston,TX,770;Phoenix,AZ,850;Philadelphia,PA,191;
San Antonio,TX,782;San Diego,CA,921;Dallas,TX,752;Jacksonville,FL,322;Austin,TX,787;Fort Worth,TX,761;
San Jose,CA,951;Columbus,OH,432;Charlotte,NC,282;Indianapolis,IN,462;San Francisco,CA,941;Seattle,WA,981;
Denver,CO,802;Oklahoma City,OK,731;Nashville,TN,372;Washington,DC,200;El Paso,TX,799;Las Vegas,NV,891;
Boston,MA,021;Detroit,MI,482;Portland,OR,972;Louisville,KY,402;Memphis,TN,381;Baltimore,MD,212;
Milwaukee,WI,532;Albuquerque,NM,871;Tucson,AZ,857;Fresno,CA,937;Sacramento,CA,958;Mesa,AZ,852;
Atlanta,GA,303;Kansas City,MO,641;Omaha,NE,681;Raleigh,NC,276;Miami,FL,331;Long Beach,CA,908;
Minneapolis,MN,554;Tulsa,OK,741;Tampa,FL,336;Arlington,TX,760;New Orleans,LA,701;Wichita,KS,672;
Cleveland,OH,441;Bakersfield,CA,933;Aurora,CO,800;Anaheim,CA,928;Honolulu,HI,968;Riverside,CA,925;
Lexington,KY,405;Stockton,CA,952;Pittsburgh,PA,152;Saint Paul,MN,551;Cincinnati,OH,452;Anchorage,AK,995;
Greensboro,NC,274;Plano,TX,750;Newark,NJ,071;Lincoln,NE,685;Orlando,FL,328;Irvine,CA,926;Toledo,OH,436;
Jersey City,NJ,073;Chula Vista,CA,919;Durham,NC,277;Fort Wayne,IN,468;St. Petersburg,FL,337;Laredo,TX,780;
Buffalo,NY,142;Madison,WI,537;Lubbock,TX,794;Chandler,AZ,852;Scottsdale,AZ,852;Reno,NV,895;Glendale,AZ,853;
Norfolk,VA,235;Winston-Salem,NC,271;Boise,ID,837;Richmond,VA,232;Baton Rouge,LA,708;Des Moines,IA,503;
Spokane,WA,992;Birmingham,AL,352;Rochester,NY,146;Modesto,CA,953;Tacoma,WA,984;Fontana,CA,923;
Oxnard,CA,930;Fayetteville,NC,283;Yonkers,NY,107;Huntsville,AL,358;Worcester,MA,016;Providence,RI,029;
Salt Lake City,UT,841;Knoxville,TN,379;Chattanooga,TN,374;Dayton,OH,454;Springfield,IL,627;Hartford,CT,061
""".replace("\n", "").split(";")
TOWN_END = ["ville", "ton", " Springs", " Falls", " Heights", "field", "burg", " City", " Park", "wood"]

FOREIGN_COUNTRIES = [("IR", ["Tehran", "Isfahan"]), ("RU", ["Moscow", "Saint Petersburg"]), ("VE", ["Caracas"]),
                     ("SY", ["Damascus", "Aleppo"]), ("CU", ["Havana"]), ("KP", ["Pyongyang"]), ("CN", ["Shanghai"]),
                     ("AE", ["Dubai"]), ("LB", ["Beirut"]), ("MX", ["Culiacan", "Tijuana"]),
                     ("CO", ["Medellin"])]  # fmt: skip
FOREIGN_FIRST = ("Mohammad Ali Hassan Hossein Reza Ahmad Mahmoud Igor Sergei Dmitri Alexei Vladimir Oleg Juan Carlos "
                 "Jose Luis Rafael Ismael Joaquin Kim Jong Chol Wei Jian Omar Khalid Youssef Nasser Ibrahim").split()
FOREIGN_LAST = ("Hosseini Rahimi Karimi Ahmadi Mousavi Petrov Ivanov Sokolov Volkov Morozov Orlov Guzman Zambada "
                "Caro Quintero Fuentes Ochoa Salazar Castano Pak Ri Choe Zhang Liu Haddad Nasrallah Mansour Khoury "
                "Aziz Barakat Saleh Qasim Sadeghi Tehrani Bazargan Rostami Novikov Kuznetsov Lebedev").split()
FOREIGN_CO = ["Trading", "Shipping", "Petroleum", "Import Export", "Investment", "Industrial", "Logistics",
              "Maritime", "General Trading", "Engineering"]  # fmt: skip
FOREIGN_FORM = ["Co", "LLC", "FZE", "Ltd", "JSC", "SA de CV", "Group", ""]
VESSEL_A = ["Sea", "Ocean", "Golden", "Silver", "Northern", "Eastern", "Blue", "Red", "Star", "Pacific", "Grand"]
VESSEL_B = ["Star", "Pearl", "Wind", "Wave", "Dragon", "Falcon", "Glory", "Spirit", "Horizon", "Queen", "Trader"]

CYRILLIC = {"a": "а", "e": "е", "o": "о", "c": "с", "p": "р", "x": "х"}


def _zipf_weights(n: int, s: float) -> list[float]:
    return [1.0 / (k ** s) for k in range(1, n + 1)]


class World:
    def __init__(self, seed: int):
        self.r = random.Random(seed)
        self.sur_w = _zipf_weights(len(SURNAMES), 0.5)
        self.first_w = _zipf_weights(len(FIRST), 0.4)
        self.cities = self._cities()
        self.city_w = _zipf_weights(len(self.cities), 0.5)
        self.npis: set[str] = set()
        self.ueis: set[str] = set()
        self.cages: set[str] = set()

    # --- names ---
    def _cities(self) -> list[tuple[str, str, list[str]]]:
        r = random.Random(7)
        out = []
        for c in REAL_CITIES:
            name, st, z3 = c.split(",")
            out.append((name, st, z3))
        while len(out) < 300:
            base = r.choice(SURNAMES + PLACES)
            out.append((base + r.choice(TOWN_END), r.choice(STATES), f"{r.randrange(10, 999):03d}"))
        cities = []
        for k, (name, st, z3) in enumerate(out):
            n = max(2, 40 // (1 + k // 10))  # big cities have more ZIP codes
            zips = sorted({f"{z3}{r.randrange(100):02d}" for _ in range(n)})
            cities.append((name, st, zips))
        return cities

    def surname(self) -> str:
        r = self.r
        u = r.random()
        if u < 0.30:
            return r.choices(SURNAMES, self.sur_w)[0]
        if u < 0.55:  # 2,880 names of about 1 in 10,000 each
            h = r.randrange(len(TAIL_HEAD) * 6)
            return TAIL_HEAD[h % len(TAIL_HEAD)] + TAIL_MID[h // len(TAIL_HEAD) % 3] + r.choice(TAIL_END)
        return r.choice(TAIL_HEAD) + r.choice(TAIL_MID) + r.choice(TAIL_END)  # 37,000 rarer ones

    def first(self) -> str:
        r = self.r
        if r.random() < 0.85:
            return r.choices(FIRST, self.first_w)[0]
        return r.choice(FIRST_ON) + r.choice(FIRST_END)

    def middle(self) -> str:
        r = self.r
        u = r.random()
        if u < 0.35:
            return ""
        m = self.first()
        return m[0] if u < 0.7 else m

    def brand(self) -> str:
        r = self.r
        n = 2 if r.random() < 0.5 else 3
        w = "".join(r.choice(SYLLABLES) for _ in range(n)) + r.choice(BRAND_END)
        return w.capitalize()

    def entity_name(self) -> str:
        r = self.r
        u = r.random()
        if u < 0.35:
            root = self.brand()
        elif u < 0.65:
            root = self.surname()
        elif u < 0.75:
            root = f"{self.surname()} & {self.surname()}"
        elif u < 0.85:
            root = "".join(r.choice(string.ascii_uppercase) for _ in range(r.choice((2, 3))))
        else:
            root = r.choice(PLACES)
        ind = r.choice(INDUSTRY) if r.random() < 0.9 else ""
        return " ".join(x for x in (root, ind, r.choice(FORMS)) if x)

    # --- addresses ---
    def address(self) -> dict:
        r = self.r
        name, st, zips = r.choices(self.cities, self.city_w)[0]
        house = str(int(math.exp(r.random() * math.log(20000))))
        d = r.choice(DIRECTIONS) if r.random() < 0.2 else None
        t = r.choice(STREET_TYPES)
        parts = [house] + ([d[0]] if d else []) + [r.choice(STREETS), t[0]]
        if r.random() < 0.15:
            parts[-1] += f", Suite {r.randrange(100, 999)}"
        return {"street": " ".join(parts), "city": name, "state": st, "zip": r.choice(zips), "country": "US"}

    def other_street(self, a: dict) -> dict:
        """Another street in the same city."""
        b = dict(a)
        while b["street"] == a["street"]:
            b["street"] = self.address()["street"]
        return b

    def retype(self, a: dict) -> dict:
        """The same address typed another way: abbreviations, suite dropped, ZIP+4, upper case."""
        r = self.r
        s = a["street"].split(", Suite")[0]
        for full, short in STREET_TYPES + DIRECTIONS:
            s = s.replace(f" {full}", f" {short}") if r.random() < 0.7 else s
        out = dict(a, street=s.upper() if r.random() < 0.3 else s)
        if r.random() < 0.4:
            out["zip"] = f"{a['zip']}-{r.randrange(10000):04d}"
        return out

    # --- identifiers ---
    def npi(self) -> str:
        while True:
            body = [1] + [self.r.randrange(10) for _ in range(8)]
            total = 0
            for i, x in enumerate(reversed([8, 0, 8, 4, 0, *body])):
                if i % 2 == 0:
                    x *= 2
                    x = x - 9 if x > 9 else x
                total += x
            v = "".join(map(str, body)) + str((10 - total % 10) % 10)
            if v not in self.npis:
                self.npis.add(v)
                return v

    def uei(self) -> str:
        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
        while True:
            v = self.r.choice(alphabet[:-10] + "123456789") + "".join(self.r.choice(alphabet) for _ in range(11))
            if v not in self.ueis:
                self.ueis.add(v)
                return v

    def cage(self) -> str:
        while True:
            v = "".join(self.r.choice(string.ascii_uppercase + string.digits) for _ in range(5))
            if v not in self.cages:
                self.cages.add(v)
                return v

    # --- variations ---
    def typo(self, w: str) -> str:
        r = self.r
        if len(w) < 4:
            return w + r.choice("aeiou")
        i = r.randrange(1, len(w) - 1)
        op = r.randrange(4)
        letter = r.choice(string.ascii_lowercase)
        if op == 0:
            return w[:i] + letter + w[i + 1 :]
        if op == 1:
            return w[:i] + w[i + 1 :]
        if op == 2:
            return w[:i] + letter + w[i:]
        return w[: i - 1] + w[i] + w[i - 1] + w[i + 1 :]

    def lookalike(self, name: str) -> str:
        r = self.r
        out = []
        for c in name:
            lc = c.lower()
            if lc == "o" and r.random() < 0.5:
                out.append("0")
            elif lc == "l" and r.random() < 0.5:
                out.append("1")
            elif lc in CYRILLIC and r.random() < 0.3:
                out.append(CYRILLIC[lc] if c.islower() else CYRILLIC[lc].upper())
            else:
                out.append(c)
        return "".join(out)

    def reform(self, name: str) -> str:
        """Another legal form (or none), abbreviations, another case."""
        r = self.r
        words = name.split()
        while words and words[-1].rstrip(".").replace(".", "") in {f.replace(".", "") for f in FORMS if f}:
            words.pop()
        base = " ".join(words)
        for full, short in (("Medical", "Med."), ("Supply", "Supplies"), ("Laboratories", "Labs"),
                            ("Services", "Svcs"), ("Pharmaceuticals", "Pharma")):  # fmt: skip
            if r.random() < 0.5:
                base = base.replace(full, short)
        out = f"{base} {r.choice(['Inc', 'LLC', 'Corp', 'Co.', 'Incorporated', ''])}".strip()
        return out.upper() if r.random() < 0.5 else out


def _table(cols: tuple[str, ...]) -> dict[str, list]:
    return {c: [] for c in cols}


SUBJECT_COLS = ("id", "kind", "name", "first", "middle", "last", "street", "city", "state", "zip", "country",
                "npi", "uei", "cage")  # fmt: skip
ENTRY_COLS = ("id", "source", *SUBJECT_COLS[1:])


def _add(t: dict, **row) -> int:
    for c in t:
        t[c].append(row.get(c, ""))
    return row["id"]


def world(vendors: int, seed: int = 1, plant_rate: float = 0.02, list_scale: float | None = None):
    """Subjects and entries (dicts of columns), the planted pairs
    ``{(subject id, entry id): type}`` and the near misses (set of pairs).
    List sizes scale with ``vendors``: 80,000 LEIE, 150,000 SAM and 15,000
    OFAC rows for 100,000 vendors."""
    w = World(seed)
    r = w.r
    scale = vendors / 100_000 if list_scale is None else list_scale
    subjects = _table(SUBJECT_COLS)
    vend, people = [], []
    next_id = 1
    for _ in range(vendors):
        a = w.address()
        v = {"id": next_id, "kind": "entity", "name": w.entity_name(), **a}
        if r.random() < 0.2:
            v["npi"] = w.npi()
        if r.random() < 0.3:
            v["uei"] = w.uei()
        if r.random() < 0.1:
            v["cage"] = w.cage()
        next_id += 1
        _add(subjects, **v)
        vend.append(v)
        family = w.surname() if r.random() < 0.1 else None
        for _ in range(r.choices((1, 2, 3), (50, 30, 20))[0]):
            p = {"id": next_id, "kind": "individual", "first": w.first(), "middle": w.middle(),
                 "last": family or w.surname()}  # fmt: skip
            u = r.random()
            p.update(a if u < 0.6 else w.address() if u < 0.9 else {})
            if r.random() < 0.1:
                p["npi"] = w.npi()
            next_id += 1
            _add(subjects, **_person_row(w, p, subject=True))
            people.append(p)
    entries = _table(ENTRY_COLS)
    truth: dict[tuple[int, int], str] = {}
    near: set[tuple[int, int]] = set()
    ids = iter(range(1, 10**9))
    _plant(w, vend, people, entries, truth, near, ids, plant_rate)
    for p in vend + people:  # identifiers a plant gave its subject
        for c in ("npi", "uei"):
            if p.get(c):
                subjects[c][p["id"] - 1] = p[c]
    sizes = {"leie": int(80_000 * scale), "sam": int(150_000 * scale), "ofac": int(15_000 * scale)}
    for src, n in sizes.items():
        have = sum(1 for s in entries["source"] if s == src)
        for _ in range(max(0, n - have)):
            _add(entries, **_background(w, src, next(ids)))
    return subjects, entries, truth, near


def _person_row(w: World, p: dict, subject: bool) -> dict:
    """A person as a row: the name on one line ("John A. Smith", "Smith,
    John A") or in separate fields."""
    r = w.r
    row = {k: v for k, v in p.items() if k not in ("first", "middle", "last")}
    mid = p.get("middle", "")
    mid_txt = f"{mid}." if len(mid) == 1 else mid
    u = r.random()
    if subject and u < 0.6:
        row["name"] = " ".join(x for x in (p["first"], mid_txt, p["last"]) if x)
    elif subject and u < 0.7:
        row["name"] = f"{p['last']}, " + " ".join(x for x in (p["first"], mid_txt) if x)
    else:
        row.update(first=p["first"], middle=mid, last=p["last"])
    return row


def _entity_entry(w: World, src: str, eid: int, v: dict, name: str, addr: dict) -> dict:
    row = {"id": eid, "source": src, "kind": "entity", "name": name, **addr}
    if src == "sam" and "uei" in v:
        row["uei"] = v["uei"]
    return row


def _plant_entity(w: World, v: dict, eid: int) -> tuple[dict, str]:
    r = w.r
    kind = r.choices(
        ["exact", "legal_form", "typo", "lookalike", "npi_other_name", "uei", "same_city", "name_only"],
        [15, 15, 15, 10, 10, 10, 12, 13],
    )[0]
    a = {k: v[k] for k in ("street", "city", "state", "zip", "country")}
    src = r.choice(["leie", "sam", "sam", "ofac"]) if kind in ("exact", "legal_form", "typo", "lookalike") else "sam"
    if kind == "exact":
        return _entity_entry(w, src, eid, {}, v["name"], a), kind
    if kind == "legal_form":
        return _entity_entry(w, src, eid, {}, w.reform(v["name"]), w.retype(a)), kind
    if kind == "typo":
        words = v["name"].split()
        forms = {f for f in FORMS if f}
        k = r.choice([i for i, x in enumerate(words) if x not in forms and len(x) > 3] or [0])
        words[k] = w.typo(words[k].lower()).capitalize()
        return _entity_entry(w, src, eid, {}, " ".join(words), w.retype(a)), kind
    if kind == "lookalike":
        return _entity_entry(w, src, eid, {}, w.lookalike(v["name"]), a), kind
    if kind == "npi_other_name":
        v.setdefault("npi", w.npi())
        row = _entity_entry(w, "leie", eid, {}, w.entity_name(), w.address())
        row["npi"] = v["npi"]
        return row, kind
    if kind == "uei":
        v.setdefault("uei", w.uei())
        return _entity_entry(w, "sam", eid, v, w.reform(v["name"]), w.address()), kind
    if kind == "same_city":
        return _entity_entry(w, src, eid, {}, w.reform(v["name"]), w.other_street(a)), kind
    return _entity_entry(w, src, eid, {}, w.reform(v["name"]), w.address()), kind


def _plant_person(w: World, p: dict, eid: int) -> tuple[dict, str]:
    r = w.r
    kind = r.choices(["exact", "reordered", "typo", "initial", "npi", "same_city", "name_only"],
                     [20, 15, 15, 10, 10, 15, 15])[0]  # fmt: skip
    a = {k: p[k] for k in ("street", "city", "state", "zip", "country") if k in p}
    if not a:  # a principal without an address: the list's address says nothing
        a, kind = w.address(), "name_only"
    q = {"first": p["first"], "middle": p["middle"], "last": p["last"]}
    src = r.choice(["leie", "leie", "sam", "ofac"])
    row = {"id": eid, "source": src, "kind": "individual"}
    if kind == "reordered":
        m = f" {q['middle']}" if q["middle"] else ""
        row.update(name=f"{q['last'].upper()}, {q['first'].upper()}{m.upper()}", **a)
        return row, kind
    if kind == "typo":
        part = r.choice(["first", "last"])
        q[part] = w.typo(q[part].lower()).capitalize()
        a = w.retype(a) if "street" in a else a
    elif kind == "initial":
        q["first"] = q["first"][0]
    elif kind == "npi":
        p.setdefault("npi", w.npi())
        row["npi"] = p["npi"]
        row["source"] = "leie"
        a = w.address()
    elif kind == "same_city":
        a = w.other_street(a) if "street" in a else a
    elif kind == "name_only":
        a = w.address()
    row.update(first=q["first"], middle=q["middle"], last=q["last"], **a)
    return row, kind


def _plant(w, vend, people, entries, truth, near, ids, rate) -> None:
    r = w.r
    for v in r.sample(vend, int(len(vend) * rate)):
        row, kind = _plant_entity(w, v, next(ids))
        truth[(v["id"], _add(entries, **row))] = "entity:" + kind
    for p in r.sample(people, int(len(people) * rate * 0.6)):
        row, kind = _plant_person(w, p, next(ids))
        truth[(p["id"], _add(entries, **row))] = "individual:" + kind
    # near misses: same surname, another first name, another address
    for p in r.sample(people, int(len(people) * rate * 0.3)):
        first = w.first()
        while first[0] == p["first"][0]:
            first = w.first()
        row = {"id": next(ids), "source": r.choice(["leie", "sam"]), "kind": "individual", "first": first,
               "last": p["last"], **w.address()}  # fmt: skip
        near.add((p["id"], _add(entries, **row)))
    # near misses: a vendor's brand or family word with another industry, elsewhere
    for v in r.sample(vend, int(len(vend) * rate * 0.3)):
        root = v["name"].split()[0]
        ind = r.choice([i for i in INDUSTRY if i not in v["name"]])
        row = {"id": next(ids), "source": "sam", "kind": "entity", "name": f"{root} {ind} LLC", **w.address()}
        near.add((v["id"], _add(entries, **row)))


def _background(w: World, src: str, eid: int) -> dict:
    r = w.r
    if src == "ofac":
        u = r.random()
        cc, cities = r.choice(FOREIGN_COUNTRIES)
        a = {"city": r.choice(cities), "country": cc}
        if u < 0.05:
            return {"id": eid, "source": src, "kind": "other", "name": f"{r.choice(VESSEL_A)} {r.choice(VESSEL_B)}"}
        if u < 0.45:
            first = r.choice(FOREIGN_FIRST)
            last = r.choice(FOREIGN_LAST) if r.random() < 0.5 else w.surname()
            return {"id": eid, "source": src, "kind": "individual", "name": f"{last.upper()}, {first}", **a}
        root = w.brand() if r.random() < 0.5 else r.choice(FOREIGN_LAST)
        name = f"{root} {r.choice(FOREIGN_CO)} {r.choice(FOREIGN_FORM)}".strip()
        return {"id": eid, "source": src, "kind": "entity", "name": name, **a}
    person = r.random() < (0.85 if src == "leie" else 0.5)
    a = w.address()
    if person:
        row = {"id": eid, "source": src, "kind": "individual", "first": w.first(), "middle": w.middle(),
               "last": w.surname(), **a}  # fmt: skip
        if src == "leie" and r.random() < 0.35:
            row["npi"] = w.npi()
        return row
    row = {"id": eid, "source": src, "kind": "entity", "name": w.entity_name(), **a}
    if src == "leie" and r.random() < 0.3:
        row["npi"] = w.npi()
    if src == "sam":
        if r.random() < 0.7:
            row["uei"] = w.uei()
        if r.random() < 0.4:
            row["cage"] = w.cage()
    return row


MOVED = ("same_city", "name_only")


def quality(hits: list[dict], truth: dict, near: set) -> dict:
    """``recall``: planted hits found (strong or weak), of the kinds that keep
    an address or an identifier of the subject (copies, legal forms, typos,
    lookalikes, reordered names, initials, NPI, UEI); ``recall_moved``: of
    those whose list entry is in the same city at another street or
    elsewhere (a name alone, which the namesake guard weighs);
    ``precision``: hits that are planted, over all hits (coincidental
    namesakes count against), and of the strong ones; near misses raised;
    recall per plant type."""
    found = {(h["subject"], h["entry"]): h["strength"] for h in hits}
    strong = [k for k, s in found.items() if s == "strong"]
    moved = {k for k, t in truth.items() if t.split(":")[1] in MOVED}
    by_type: dict[str, list[int]] = {}
    for k, t in truth.items():
        by_type.setdefault(t, [0, 0])
        by_type[t][1] += 1
        by_type[t][0] += k in found

    def share(keys) -> float:
        keys = list(keys)
        return round(sum(1 for k in keys if k in found) / len(keys), 4) if keys else 1.0

    return {
        "recall": share(k for k in truth if k not in moved),
        "recall_moved": share(moved),
        "recall_all": share(truth),
        "precision": round(sum(1 for k in found if k in truth) / len(found), 4) if found else 1.0,
        "precision_strong": round(sum(1 for k in strong if k in truth) / len(strong), 4) if strong else 1.0,
        "near_misses_raised": sum(1 for k in near if k in found),
        "recall_by_type": {t: round(a / b, 4) for t, (a, b) in sorted(by_type.items())},
    }


def _person_key(t: dict, i: int) -> tuple[str, str] | None:
    first, last, name = t["first"][i], t["last"][i], t["name"][i]
    if last:
        return (first or "").lower(), last.lower()
    if not name:
        return None
    if "," in name:
        last, rest = name.split(",", 1)
        words = rest.split()
        return (words[0].lower() if words else ""), last.strip().lower()
    words = name.replace(".", "").split()
    return (words[0].lower(), words[-1].lower()) if len(words) > 1 else None


def namesakes(subjects: dict, entries: dict, truth: dict, hits: list[dict]) -> dict:
    """Pairs of a subject and an entry that are not planted but share a
    person's first and last name, or an entity's normalised name (legal form
    and case aside): the coincidences a realistic name space holds, and how
    many of them were raised."""
    from tests.reference.dedupe import vendor_name

    def keys(t: dict) -> dict:
        out: dict = {}
        for i in range(len(t["id"])):
            if t["kind"][i] == "individual":
                k = _person_key(t, i)
            elif t["name"][i]:
                k = " ".join(vendor_name(t["name"][i])[0].tokens)
            else:
                k = None
            if k:
                out.setdefault((t["kind"][i] == "individual", k), []).append(t["id"][i])
        return out

    s, e = keys(subjects), keys(entries)
    pairs = {(a, b) for k, ids in s.items() for a in ids for b in e.get(k, ()) if (a, b) not in truth}
    raised = {(h["subject"], h["entry"]) for h in hits} & pairs
    return {"namesake_pairs": len(pairs), "namesakes_raised": len(raised)}
