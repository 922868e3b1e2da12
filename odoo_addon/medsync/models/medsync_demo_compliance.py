"""Demo of vendor compliance (loaded from demo/medsync_compliance_demo.xml).

Vendors in every state, credentials to review and expiring, principals, and
small exclusion list files in their real formats with planted cases: a
lookalike of a demo vendor carrying its NPI (strong: the vendor is
suspended), a principal whose name alone matches (weak: for review), a near
miss that must not be a hit, and a SAM entry with a vendor's UEI that the
officer confirmed (the vendor is blocked). Then a screening run, as the
monthly action would."""

import random
from datetime import timedelta

from odoo import api, fields, models

from ..services import guard, screening

FIRST = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
         "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen"]
LAST = ["Nguyen", "Okonkwo", "Garcia", "Kowalski", "Haddad", "Fischer", "Moreau", "Tanaka", "Silva", "Novak",
        "Brennan", "Delgado", "Iverson", "Lindgren", "Quinlan", "Rasmussen", "Szabo", "Vance", "Whitlock", "Yilmaz"]
STATES = ["TX", "FL", "NY", "CA", "OH", "GA", "PA", "IL"]
LEIE_HEAD = ("LASTNAME,FIRSTNAME,MIDNAME,BUSNAME,GENERAL,SPECIALTY,UPIN,NPI,DOB,ADDRESS,CITY,STATE,ZIP,EXCLTYPE,"
             "EXCLDATE,REINDATE,WAIVERDATE,WVRSTATE")
SAM_HEAD = ("Classification,Name,Prefix,First,Middle,Last,Suffix,Address 1,Address 2,Address 3,Address 4,City,"
            "State / Province,Country,Zip Code,Open Data Flag,Unique Entity ID,Exclusion Program,Excluding Agency,"
            "CT Code,Exclusion Type,Additional Comments,Active Date,Termination Date,Record Status,Cross-Reference,"
            "SAM Number,CAGE,NPI,Creation_Date")


def _csv(values):
    return ",".join(f'"{v}"' if "," in str(v) else str(v) for v in values)


def leie_file(rng, planted):
    """An OIG LEIE ``UPDATED.csv`` of made-up people and businesses, plus ``planted`` rows."""
    rows = [LEIE_HEAD]
    for _ in range(40):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        rows.append(_csv([last.upper(), first.upper(), "", "", "IND- LIC HC SERV PRO", "NURSE/NURSES AIDE", "",
                          "0000000000", f"19{rng.randrange(50, 99)}0{rng.randrange(1, 9)}1{rng.randrange(0, 9)}",
                          f"{rng.randrange(10, 9999)} {rng.choice(LAST).upper()} RD", "SPRINGFIELD",
                          rng.choice(STATES), f"{rng.randrange(10000, 99999)}", "1128a1",
                          f"20{rng.randrange(10, 25)}0{rng.randrange(1, 9)}20", "00000000", "00000000", ""]))
    rows += [_csv(r) for r in planted]
    return ("\r\n".join(rows) + "\r\n").encode()


def sam_file(planted):
    rows = [SAM_HEAD]
    rows += [_csv(r) for r in planted]
    return ("\n".join(rows) + "\n").encode()


class MedsyncDemoCompliance(models.AbstractModel):
    _inherit = "medsync.demo"

    @api.model
    def _create_compliance_demo(self):
        ref = self.env.ref
        officer = ref("medsync.user_compliance")
        Partner = self.env["res.partner"]
        # the vendor master the other demos made stands for the vendors a hospital had when it installed MedSync
        existing = Partner.search([("parent_id", "=", False), ("supplier_rank", ">", 0),
                                   ("medsync_compliance_state", "=", "onboarding")])
        guard.privileged(existing).write({"medsync_compliance_state": "legacy"})
        today = fields.Date.context_today(self)
        us = ref("base.us")
        vendors = self._compliance_vendors(us)
        self._compliance_credentials(vendors, today)
        as_officer = self.with_user(officer)
        for key in ("medline", "cardinal", "summit", "keystone", "apex"):
            vendors[key].with_user(officer)._medsync_decide("approve", "Credentials checked at onboarding")
        self._compliance_lists(as_officer.env)
        counts = screening.screen(as_officer.env, trigger="cron")
        # the officer already confirmed the SAM hit of Apex: blocked
        apex_hits = self.env["medsync.screening.hit"].search([("partner_id", "=", vendors["apex"].id)])
        apex_hits.with_user(officer)._decide(
            "confirm_hit", "UEI equal to the SAM.gov exclusion; the OIG confirmed by phone (ref 2026-114).")
        self.env["medsync.vendor.credential"]._cron_expiry()
        return counts

    def _compliance_vendors(self, us):
        ref = self.env.ref
        Partner = self.env["res.partner"]
        tx = ref("base.state_us_44")
        vendors = {"medline": ref("medsync.vendor_medline"), "cardinal": ref("medsync.vendor_cardinal")}
        vendors["medline"].write({"medsync_uei": "MLS7XK2H9Q31", "street": "Three Lakes Drive", "zip": "60093"})
        vendors["summit"] = Partner.create({
            "name": "Summit Orthopedic Implants Inc.", "is_company": True, "supplier_rank": 1, "country_id": us.id,
            "street": "4410 Research Forest Dr", "city": "The Woodlands", "state_id": tx.id, "zip": "77381",
            "medsync_npi": "1245319599", "ref": "V-SUMMIT"})
        vendors["keystone"] = Partner.create({
            "name": "Keystone Home Health Services LLC", "is_company": True, "supplier_rank": 1,
            "country_id": us.id, "street": "210 Market St", "city": "Harrisburg",
            "state_id": ref("base.state_us_39").id, "zip": "17101", "ref": "V-KEYSTONE"})
        vendors["apex"] = Partner.create({
            "name": "Apex Medical Billing Group", "is_company": True, "supplier_rank": 1, "country_id": us.id,
            "street": "88 Commerce Way", "city": "Tampa", "state_id": ref("base.state_us_10").id, "zip": "33602",
            "medsync_uei": "APX4M9B2KD71", "ref": "V-APEX"})
        vendors["harbor"] = Partner.create({
            "name": "Harbor Compounding Pharmacy LLC", "is_company": True, "supplier_rank": 1,
            "country_id": us.id, "street": "17 Wharf Road", "city": "Baltimore",
            "state_id": ref("base.state_us_33").id, "zip": "21230", "ref": "V-HARBOR"})
        # a bill of Summit's, posted before the monthly screening suspends Summit: it is held then
        bill = self.env["account.move"].create({
            "move_type": "in_invoice", "partner_id": vendors["summit"].id, "ref": "SOI-88120",
            "invoice_date": fields.Date.context_today(self) - timedelta(days=3),
            "invoice_line_ids": [(0, 0, {"name": "Hip revision implant set, consigned, used in OR 3",
                                         "quantity": 1, "price_unit": 4200.0})]})
        bill.action_post()
        principals = [("medline", "Andrew J. Mills", "owner", 60.0), ("medline", "Daniel Price", "officer", 0.0),
                      ("keystone", "Robert T. Hale", "both", 100.0), ("summit", "Elena Marsh", "owner", 51.0),
                      ("harbor", "Tomas Rivera", "owner", 70.0)]
        Partner.create([{"name": name, "parent_id": vendors[v].id, "type": "medsync_principal",
                         "medsync_principal_role": role, "medsync_ownership_pct": pct}
                        for v, name, role, pct in principals])
        return vendors

    def _compliance_credentials(self, vendors, today):
        ref = self.env.ref
        profiles = {"medline": "profile_medsurg", "cardinal": "profile_pharma", "summit": "profile_implants",
                    "keystone": "profile_phi_services", "apex": "profile_phi_services", "harbor": "profile_pharma"}
        for key, profile in profiles.items():
            vendors[key].medsync_compliance_profile_id = ref(f"medsync.{profile}")
        Cred = self.env["medsync.vendor.credential"]
        rng = random.Random(18)
        for key in ("medline", "cardinal", "summit", "keystone", "apex"):
            for cred in vendors[key].medsync_credential_ids:
                until = today + timedelta(days=rng.randrange(200, 600))
                if key == "cardinal" and cred.kind == "dea":
                    until = today + timedelta(days=20)  # expiring: a reminder goes to the vendor's owner
                cred.write({"number": f"{cred.requirement_id.code}-{rng.randrange(100000, 999999)}",
                            "issuer": "State board" if cred.kind == "license" else "Issuer on file",
                            "date_from": today - timedelta(days=100), "date_until": until,
                            "document_name": f"{cred.requirement_id.code}.pdf"})
                if cred.kind == "w9":
                    guard.privileged(cred).write({"tin_match_code": "0", "tin_match_date": today - timedelta(days=90),
                                                  "source": "irs"})
        creds = Cred.search([("partner_id", "in", [vendors[k].id for k in ("medline", "cardinal", "summit",
                                                                            "keystone", "apex")])])
        creds.with_user(ref("medsync.user_compliance"))._review("valid", "Checked against the issuer's register")
        # the onboarding request: evidence submitted, the licence still missing
        for cred in vendors["harbor"].medsync_credential_ids.filtered(lambda c: c.kind in ("w9", "insurance")):
            cred.write({"number": f"{cred.requirement_id.code}-554120", "date_until": today + timedelta(days=365),
                        "document_name": f"{cred.requirement_id.code}.pdf"})
        vendors["cardinal"].user_id = ref("medsync.user_buyer")

    def _compliance_lists(self, env):
        rng = random.Random(1128)
        planted_leie = [
            # a lookalike of Summit with Summit's NPI: strong
            ["", "", "", "SUMMIT ORTHOPAEDIC IMPLANTS", "BUSINESS", "MEDICAL SUPPLY", "", "1245319599", "",
             "4410 RESEARCH FOREST DRIVE", "THE WOODLANDS", "TX", "77381", "1128b7", "20250815", "00000000",
             "00000000", ""],
            # Keystone's principal, by name only, elsewhere: weak
            ["HALE", "ROBERT", "T", "", "IND- LIC HC SERV PRO", "HOME HEALTH AGENCY", "", "0000000000",
             "19610412", "9 ELM CT", "ALLENTOWN", "PA", "18101", "1128a1", "20230321", "00000000", "00000000", ""],
            # a near miss of MedLine's officer: another first name, state and address
            ["PRICE", "DANIELLE", "", "", "IND- LIC HC SERV PRO", "PHARMACIST", "", "0000000000", "19800101",
             "500 BAY ST", "MIAMI", "FL", "33101", "1128a3", "20220101", "00000000", "00000000", ""],
            # reinstated: no longer screened
            ["VANCE", "OLIVER", "", "", "IND- LIC HC SERV PRO", "NURSE", "", "0000000000", "19700101", "1 A ST",
             "AUSTIN", "TX", "73301", "1128b4", "20190101", "20240601", "00000000", ""],
        ]
        screening.import_list(env, "leie", "UPDATED.csv", leie_file(rng, planted_leie))
        planted_sam = [
            ["Firm", "APEX MEDICAL BILLING GROUP", "", "", "", "", "", "88 COMMERCE WAY", "", "", "", "TAMPA", "FL",
             "USA", "33602", "Y", "APX4M9B2KD71", "Reciprocal", "HHS", "", "Prohibition/Restriction", "",
             "03/14/2025", "Indefinite", "Active", "", "S4MR4A1Z2", "8KT21", "", "03/14/2025"],
            ["Individual", "", "", "MARGARET", "A", "COLLINS", "", "12 PINE RD", "", "", "", "DENVER", "CO", "USA",
             "80202", "Y", "", "Reciprocal", "OPM", "", "Ineligible (Proceedings Completed)", "", "01/02/2024",
             "Indefinite", "Active", "", "S4MR4A1Z3", "", "", "01/02/2024"],
        ]
        screening.import_list(env, "sam", "SAM_Exclusions_Public_Extract.csv", sam_file(planted_sam))
        sdn = ('36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
               '2674,"BANCO NACIONAL DE CUBA",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
               '15036,"ARMADA",vessel,"SDGT",-0- ,"9HA2433",-0- ,-0- ,-0- ,"Malta",-0- ,-0- \r\n\x1a')
        screening.import_list(env, "ofac", "SDN.CSV", sdn.encode("latin-1"))
