"""Exclusion screening in Odoo (issue 18): a full LEIE file imported through
the wizard, vendors and principals screened in one engine call; a strong hit
suspends the vendor and holds its bills, a weak one raises an exception only;
the officer confirms or clears; a re-import that changes nothing raises
nothing; a changed entry reopens a cleared hit."""

import base64

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon
from odoo.addons.medsync.tests.test_role_matrix import rpc

HEAD = ("LASTNAME,FIRSTNAME,MIDNAME,BUSNAME,GENERAL,SPECIALTY,UPIN,NPI,DOB,ADDRESS,CITY,STATE,ZIP,EXCLTYPE,"
        "EXCLDATE,REINDATE,WAIVERDATE,WVRSTATE")
SUMMIT = (",,,SUMMIT ORTHOPAEDIC IMPLANTS,BUSINESS,MEDICAL SUPPLY,,1245319599,,4410 RESEARCH FOREST DRIVE,"
          "THE WOODLANDS,TX,77381,1128b7,20250815,00000000,00000000,")
HALE = ("HALE,ROBERT,T,,IND- LIC HC SERV PRO,HOME HEALTH AGENCY,,0000000000,19610412,9 ELM CT,ALLENTOWN,PA,"
        "18101,1128a1,20230321,00000000,00000000,")
NEAR_MISS = ("PRICE,DANIELLE,,,IND- LIC HC SERV PRO,PHARMACIST,,0000000000,19800101,500 BAY ST,MIAMI,FL,33101,"
             "1128a3,20220101,00000000,00000000,")
OTHER = ("WHITLOCK,SUSAN,,,IND- LIC HC SERV PRO,NURSE,,0000000000,19750101,2 RIVER RD,AUSTIN,TX,73301,1128a1,"
         "20210101,00000000,00000000,")


def leie(*rows):
    return ("\r\n".join([HEAD, *rows]) + "\r\n").encode()


@tagged("post_install", "-at_install")
class TestScreening(AccountTestInvoicingHttpCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        common = {"email": False, "company_id": cls.company_data["company"].id}
        cls.officer = new_test_user(cls.env, login="scr_officer", password="scr_officer-pw-1",
                                    groups="base.group_user,medsync.group_medsync_compliance", **common)
        cls.buyer = new_test_user(cls.env, login="scr_buyer", password="scr_buyer-pw-1",
                                  groups="base.group_user,medsync.group_medsync_buyer", **common)
        Partner = cls.env["res.partner"]
        tx = cls.env.ref("base.state_us_44")
        us = cls.env.ref("base.us")
        cls.summit = Partner.create({
            "name": "Summit Orthopedic Implants Inc.", "is_company": True, "supplier_rank": 1, "country_id": us.id,
            "street": "4410 Research Forest Dr", "city": "The Woodlands", "state_id": tx.id, "zip": "77381",
            "medsync_npi": "1245319599"})
        cls.keystone = Partner.create({"name": "Keystone Home Health Services LLC", "is_company": True,
                                       "supplier_rank": 1, "country_id": us.id, "city": "Harrisburg",
                                       "zip": "17101"})
        cls.medline = Partner.create({"name": "MedLine Supply Co.", "is_company": True, "supplier_rank": 1,
                                      "country_id": us.id, "city": "Northfield", "zip": "60093"})
        Partner.create([
            {"name": "Robert T. Hale", "parent_id": cls.keystone.id, "type": "medsync_principal",
             "medsync_principal_role": "owner", "medsync_ownership_pct": 100},
            {"name": "Daniel Price", "parent_id": cls.medline.id, "type": "medsync_principal",
             "medsync_principal_role": "officer"}])
        cls.vendors = cls.summit | cls.keystone | cls.medline
        for vendor in cls.vendors:
            vendor.with_user(cls.officer)._medsync_set_compliance("approved", "onboarded")
        cls.bill = cls.init_invoice("in_invoice", partner=cls.summit, amounts=[500.0], taxes=[], post=True,
                                    invoice_date=fields.Date.today())

    def import_file(self, data, user=None, name="UPDATED.csv", allow_shrink=True):
        # (the demo's list, when there is one, is larger than these files)
        wizard = self.env["medsync.screening.import"].with_user(user or self.officer).create({
            "source": "leie", "file": base64.b64encode(data), "filename": name, "allow_shrink": allow_shrink})
        return wizard.action_import()

    def hits(self, vendor=None):
        domain = [("partner_id", "=", vendor.id)] if vendor else [
            ("partner_id", "in", (self.summit | self.keystone | self.medline).ids)]
        return self.env["medsync.screening.hit"].sudo().search(domain)

    def exceptions(self, code):
        return self.env["medsync.exception"].sudo().search([("reason_code", "=", code),
                                                            ("partner_id", "in", self.vendors.ids)])

    def test_strong_and_weak_hits_and_a_re_import_that_raises_nothing(self):
        self.import_file(leie(SUMMIT, HALE, NEAR_MISS, OTHER))
        strong, weak = self.hits(self.summit), self.hits(self.keystone)
        self.assertRecordValues(strong, [{"strength": "strong", "state": "new", "row": 2, "source": "leie"}])
        self.assertIn("NPI", strong.evidence)
        self.assertEqual(len(strong.file_sha256), 64)
        self.assertRecordValues(weak, [{"strength": "weak", "state": "new", "row": 3}])
        self.assertEqual(weak.subject_id.name, "Robert T. Hale")
        self.assertFalse(self.hits(self.medline), "the near miss is no hit")
        # strong: suspended at once, the bill on compliance hold, a critical exception; weak: an exception only
        self.assertEqual(self.summit.medsync_compliance_state, "suspended")
        self.assertEqual(strong.suspended_from, "approved")
        self.assertTrue(self.bill.medsync_compliance_hold)
        self.assertEqual(self.keystone.medsync_compliance_state, "approved")
        self.assertEqual(len(self.exceptions("COMPLIANCE_SCREEN_STRONG")), 1)
        self.assertEqual(len(self.exceptions("COMPLIANCE_SCREEN_WEAK")), 1)
        self.assertEqual(self.exceptions("COMPLIANCE_SCREEN_STRONG").severity, "critical")
        with self.assertRaisesRegex(UserError, "compliance"):
            self.bill.action_register_payment()
        # the same file again: a new list file, nothing new in it, nothing raised
        before = {code: (self.exceptions(code), self.exceptions(code).mapped("occurrence_count"))
                  for code in ("COMPLIANCE_SCREEN_STRONG", "COMPLIANCE_SCREEN_WEAK")}
        self.import_file(leie(SUMMIT, HALE, NEAR_MISS, OTHER))
        lst = self.env["medsync.screening.list"].sudo().search([("source", "=", "leie")], limit=1)
        self.assertRecordValues(lst, [{"row_count": 4, "new_count": 0, "changed_count": 0, "removed_count": 0,
                                       "state": "current"}])
        self.assertEqual(lst.previous_id.state, "superseded")
        self.assertEqual(self.hits(), strong | weak)
        for code, (excs, counts) in before.items():
            self.assertEqual(self.exceptions(code), excs)
            self.assertEqual(self.exceptions(code).mapped("occurrence_count"), counts)

    def test_clear_stays_cleared_until_the_entry_changes(self):
        self.import_file(leie(SUMMIT, HALE, OTHER))
        weak = self.hits(self.keystone)
        weak.with_user(self.officer)._decide("clear_hit", "Different person: other middle name, born elsewhere")
        self.assertEqual(weak.state, "cleared")
        self.assertEqual(weak.exception_id.state, "resolved")
        self.env["medsync.screening.hit"].with_user(self.officer).action_screen_now()
        weak.invalidate_recordset()
        self.assertEqual(weak.state, "cleared")
        self.assertEqual(len(self.exceptions("COMPLIANCE_SCREEN_WEAK")), 1)
        # the entry changes (a new address): reviewed again
        self.import_file(leie(SUMMIT, HALE.replace("9 ELM CT", "40 HARRISBURG PIKE"), OTHER))
        lst = self.env["medsync.screening.list"].sudo().search([("source", "=", "leie")], limit=1)
        self.assertEqual((lst.new_count, lst.changed_count), (0, 1))
        self.assertEqual(weak.state, "new")
        self.assertEqual(len(self.exceptions("COMPLIANCE_SCREEN_WEAK").filtered(lambda e: e.state == "open")), 1)

    def test_confirm_blocks_and_clear_restores(self):
        self.import_file(leie(SUMMIT, HALE))
        strong = self.hits(self.summit)
        strong.with_user(self.officer)._decide("clear_hit", "NPI typo in the list: OIG confirmed another firm")
        self.assertEqual(self.summit.medsync_compliance_state, "approved")
        self.assertFalse(self.bill.medsync_compliance_hold)
        weak = self.hits(self.keystone)
        weak.with_user(self.officer)._decide("confirm_hit", "Same person: OIG letter on file")
        self.assertEqual(self.keystone.medsync_compliance_state, "blocked")
        self.assertIn("OIG letter on file", self.keystone.medsync_compliance_note)
        self.assertEqual(weak.exception_id.state, "resolved")
        self.assertIn("Same person", " ".join(weak.message_ids.mapped("body")))

    def lists(self):
        return self.env["medsync.screening.list"].sudo().search([])

    def test_only_an_officer_imports_or_decides(self):
        before = self.lists()
        self.authenticate(self.buyer.login, self.buyer.login + "-pw-1")
        _r, error = rpc(self, "medsync.screening.import", "create", [{
            "source": "leie", "file": base64.b64encode(leie(SUMMIT)).decode()}])
        self.assertTrue(error)
        with self.assertRaises(UserError):
            self.import_file(leie(SUMMIT), user=self.buyer)
        self.assertEqual(self.lists(), before)
        self.import_file(leie(SUMMIT))
        _r, error = rpc(self, "medsync.screening.hit", "write", [self.hits(self.summit).ids, {"state": "cleared"}])
        self.assertTrue(error)
        _wizard, error = rpc(self, "medsync.compliance.decision", "create", [{
            "decision": "clear_hit", "hit_ids": [Command.set(self.hits(self.summit).ids)], "note": "mine"}])
        self.assertTrue(error)
        self.assertEqual(self.hits(self.summit).state, "new")

    def test_a_bad_file_names_its_lines_and_writes_nothing(self):
        before = self.lists()
        Entry = self.env["medsync.screening.entry"].sudo().with_context(active_test=False)
        entries = Entry.search_count([])
        bad = leie(SUMMIT, "HALE,ROBERT", OTHER.replace("20210101", "20211399"))
        with self.assertRaises(UserError) as err:
            self.import_file(bad)
        self.assertIn("line 3", str(err.exception))
        self.assertIn("line 4", str(err.exception))
        self.assertEqual(self.lists(), before)
        self.assertEqual(Entry.search_count([]), entries)

    def test_a_file_cut_short_does_not_empty_the_list(self):
        rows = [OTHER.replace("WHITLOCK", f"WHITLOCK{chr(65 + i // 26)}{chr(65 + i % 26)}") for i in range(120)]
        self.import_file(leie(SUMMIT, HALE, *rows))
        before = self.lists()
        with self.assertRaisesRegex(UserError, "The list really shrank"):
            self.import_file(leie(SUMMIT, HALE, *rows[:30]), allow_shrink=False)
        with self.assertRaisesRegex(UserError, "no entries"):
            self.import_file(leie(), allow_shrink=True)
        self.assertEqual(self.lists(), before)
        self.import_file(leie(SUMMIT, HALE, *rows[:30]), allow_shrink=True)
        self.assertEqual(self.lists()[:1].removed_count, 90)

