"""The vendor compliance documents through the real API (HttpCase): the
supplier portal's onboarding request, the credentialing platform's credential
status, the refusals at the door (nothing written) and the flows that grant
them to a system."""

import base64
import json
import re
from pathlib import Path

from odoo.tests import HttpCase, new_test_user, tagged

from ..services import guard, hub

PDF = base64.b64encode(b"%PDF-1.4\n").decode()
MAX_DOCUMENT = 2 * 1024 * 1024
API_DOC = Path(__file__).resolve().parents[3] / "docs" / "api.md"


@tagged("post_install", "-at_install")
class TestHubVendor(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.admin = new_test_user(env, login="hubv_admin", groups="base.group_user,medsync.group_medsync_integration")
        cls.medsurg = env.ref("medsync.profile_medsurg")
        System = env["medsync.system"].with_user(cls.admin)
        Flow = env["medsync.flow"].with_user(cls.admin)
        # a portal for many vendors (it speaks for none), with room for documents
        cls.portal = System.create({"name": "Portal T", "code": "portal-t", "max_body_kb": 4096})
        Flow.create({"system_id": cls.portal.id, "code": "onb", "name": "onb", "doc_type": "vendor_onboarding"})
        cls.platform = System.create({"name": "Verifier T", "code": "verifier-t", "kind": "other"})
        Flow.create({"system_id": cls.platform.id, "code": "cred", "name": "cred", "doc_type": "vendor_credential"})
        cls.approved = env["res.partner"].create({
            "name": "Approved Med", "ref": "V-APPR", "is_company": True, "supplier_rank": 1, "vat": "36-1234567",
            "email": "ap@approved.example", "medsync_compliance_profile_id": cls.medsurg.id})
        cls.approved._medsync_set_compliance("approved", "vetted in 2025")
        cls.coi = cls.approved.medsync_credential_ids.filtered(lambda c: c.requirement_id.code == "COI")
        guard.privileged(cls.coi).write({"number": "GL-1", "date_until": "2035-12-31", "coverage_amount": 1e6,
                                         "review_state": "valid"})
        # the vendor's own portal: it speaks for Approved Med only
        cls.own = System.create({"name": "Approved portal", "code": "appr-t", "partner_id": cls.approved.id})
        Flow.create({"system_id": cls.own.id, "code": "onb", "name": "onb", "doc_type": "vendor_onboarding"})
        cls.portal_key = cls.portal.with_user(cls.admin)._generate_key(30)
        cls.platform_key = cls.platform.with_user(cls.admin)._generate_key(30)
        cls.own_key = cls.own.with_user(cls.admin)._generate_key(30)
        # technical users without an e-mail address: what they log in chatters must not need one
        (cls.portal | cls.platform).user_id.partner_id.sudo().email = False

    def setUp(self):
        super().setUp()
        hub._auth_cache.clear()

    # ------------------------------------------------------------------ helpers

    def post(self, doc_type, doc, idem, system="portal-t", key=None, raw=None):
        key = key or {"portal-t": self.portal_key, "verifier-t": self.platform_key, "appr-t": self.own_key}[system]
        body = raw if raw is not None else json.dumps(doc).encode()
        res = self.url_open(f"/medsync/api/v1/{system}/{doc_type}", data=body, headers={
            "Content-Type": "application/json", "Idempotency-Key": idem, "Authorization": f"Bearer {key}"})
        self.env.invalidate_all()
        return res

    def run_jobs(self):
        msgs = self.env["medsync.message"].search([("state", "in", ("queued", "retrying"))])
        msgs._hub_process()
        self.env.invalidate_all()
        return msgs

    def assertError(self, res, status, code):
        self.assertEqual(res.status_code, status, res.text)
        self.assertEqual(res.json()["error"]["code"], code, res.text)
        return res.json()["error"].get("problems", [])

    def onboarding(self, **over):
        doc = {"vendor": "V-ORTHO", "name": "Ortholink Surgical LLC", "category": "MEDSURG", "tax_id": "83-4471265",
               "street": "200 Lake St", "city": "Peoria", "state": "IL", "zip": "61602", "country": "US",
               "email": "compliance@ortholink.example", "npi": "1234567893",
               "principals": [{"name": "Dana Whitfield", "role": "both", "ownership_pct": 60},
                              {"name": "Luis Ortega", "role": "owner", "ownership_pct": "40"}],
               "credentials": [{"requirement": "COI", "number": "GL-2026-0042", "issuer": "Midwest Mutual",
                                "valid_from": "2026-01-01", "valid_until": "2035-12-31", "coverage": 2000000,
                                "document_name": "coi-2026.pdf", "document": PDF},
                               {"requirement": "W9", "document_name": "w9.pdf", "document": PDF}]}
        doc.update(over)
        return doc

    def vendor(self, ref):
        return self.env["res.partner"].search([("ref", "=", ref)])

    def exceptions(self, vendor, code="COMPLIANCE_ONBOARDING"):
        return self.env["medsync.exception"].search([("reason_code", "=", code), ("partner_id", "=", vendor.id)])

    # ------------------------------------------------------------------ onboarding

    def test_onboarding_creates_the_vendor_in_onboarding(self):
        # the systems get what their documents need, never a compliance role
        self.assertTrue(self.portal.user_id.has_group("base.group_partner_manager"))
        self.assertFalse(self.platform.user_id.has_group("base.group_partner_manager"))
        for system in (self.portal, self.platform):
            self.assertFalse(system.user_id.has_group("medsync.group_medsync_compliance"))
            self.assertFalse(system.user_id.email)
        self.assertEqual(self.post("vendor_onboarding", self.onboarding(), "o1").status_code, 202)
        msg = self.run_jobs()
        self.assertEqual(msg.state, "done", msg.error_message)
        vendor = self.vendor("V-ORTHO")
        self.assertRecordValues(vendor, [{
            "name": "Ortholink Surgical LLC", "is_company": True, "supplier_rank": 1, "vat": "83-4471265",
            "medsync_compliance_state": "onboarding", "medsync_compliance_profile_id": self.medsurg.id,
            "company_id": self.env.company.id, "country_id": self.env.ref("base.us").id,
            "state_id": self.env["res.country.state"].search([("country_id.code", "=", "US"), ("code", "=", "IL")]).id,
            "medsync_npi": "1234567893"}])
        self.assertIn("Portal T", vendor.medsync_compliance_note)
        principals = vendor.child_ids.filtered(lambda c: c.type == "medsync_principal").sorted("name")
        self.assertRecordValues(principals, [
            {"name": "Dana Whitfield", "medsync_principal_role": "both", "medsync_ownership_pct": 60.0},
            {"name": "Luis Ortega", "medsync_principal_role": "owner", "medsync_ownership_pct": 40.0}])
        creds = {c.requirement_id.code: c for c in vendor.medsync_credential_ids}
        self.assertEqual(set(creds), {"W9", "COI", "OWN"}, "every requirement of the profile is listed")
        self.assertRecordValues(creds["COI"], [{
            "number": "GL-2026-0042", "issuer": "Midwest Mutual", "coverage_amount": 2e6, "source": "portal",
            "document_name": "coi-2026.pdf", "review_state": "submitted", "state": "submitted"}])
        self.assertEqual(str(creds["COI"].date_until), "2035-12-31")
        self.assertEqual(base64.b64decode(creds["COI"].document), b"%PDF-1.4\n")
        self.assertEqual((creds["W9"].state, creds["OWN"].state), ("submitted", "missing"))
        self.assertEqual(msg.link_ids.filtered(lambda ln: ln.res_model == "res.partner")[:1].res_id, vendor.id)
        exc = self.exceptions(vendor)
        self.assertEqual((len(exc), exc.occurrence_count, exc.res_id), (1, 1, vendor.id))
        self.assertIn("Dana Whitfield", exc.description)
        log = vendor.message_ids.filtered(lambda m: "Received from Portal T" in (m.body or ""))
        self.assertEqual(len(log), 1)
        self.assertIn("Credential Certificate of insurance submitted, no. GL-2026-0042", log.body)
        # the same key again: the first answer, nothing processed twice
        again = self.post("vendor_onboarding", self.onboarding(), "o1")
        self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
        # a second request (a renewed certificate): counted on the open exception, the credential to review again
        guard.privileged(creds["COI"]).write({"review_state": "valid"})
        coi = self.onboarding()["credentials"][0]
        renewed = self.onboarding(principals=[], credentials=[{**coi, "number": "GL-2027-0001"}])
        self.assertEqual(self.post("vendor_onboarding", renewed, "o2").status_code, 202)
        self.assertEqual(self.run_jobs().state, "done")
        self.assertEqual(len(self.exceptions(vendor)), 1)
        self.assertEqual(self.exceptions(vendor).occurrence_count, 2)
        self.assertRecordValues(creds["COI"], [{"number": "GL-2027-0001", "review_state": "submitted"}])
        self.assertEqual(len(vendor.child_ids.filtered(lambda c: c.type == "medsync_principal")), 2)
        self.assertEqual(vendor.medsync_compliance_state, "onboarding")

    def test_existing_approved_vendor_only_gets_evidence(self):
        coi = {"requirement": "COI", "number": "GL-2", "valid_until": "2036-06-30", "document_name": "coi.pdf",
               "document": PDF}
        doc = {"vendor": "V-APPR", "name": "Approved Medical Renamed", "category": "PHARMA", "tax_id": "99-9999999",
               "principals": [{"name": "Kim Park", "role": "officer"}], "credentials": [
                   {"requirement": "COI", "number": "GL-9"}]}
        # an established vendor keeps its profile: the credentials name requirements of that profile
        pharma_only = {**doc, "credentials": [{"requirement": "DEA", "number": "AB1234563"}]}
        problems = self.assertError(self.post("vendor_onboarding", pharma_only, "a0"), 422, "UNKNOWN_REQUIREMENT")
        self.assertIn("category MEDSURG", problems[0]["message"])
        self.assertEqual(self.post("vendor_onboarding", doc, "a1").status_code, 202)
        self.assertEqual(self.run_jobs().state, "done")
        self.assertEqual(self.coi.number, "GL-9")
        doc = {**doc, "category": "MEDSURG", "credentials": [coi]}
        self.assertEqual(self.post("vendor_onboarding", doc, "a2").status_code, 202)
        self.assertEqual(self.run_jobs().state, "done")
        vendor = self.approved
        self.assertRecordValues(vendor, [{
            "medsync_compliance_state": "approved", "name": "Approved Med", "vat": "36-1234567",
            "medsync_compliance_profile_id": self.medsurg.id, "medsync_compliance_note": "vetted in 2025"}])
        self.assertTrue(self.exceptions(vendor, "HUB_VENDOR_REVIEW"), "a new tax id waits for a data steward")
        self.assertEqual(self.exceptions(vendor).occurrence_count, 2)
        self.assertIn("Asks for category PHARMA; its profile MEDSURG is kept", self.exceptions(vendor).description)
        self.assertIn("Contact data not applied", self.exceptions(vendor).description)
        self.assertEqual(len(vendor.medsync_credential_ids), 3, "no credential of another profile")
        self.assertRecordValues(self.coi, [{"number": "GL-2", "source": "portal", "review_state": "submitted"}])
        self.assertEqual(vendor.child_ids.filtered(lambda c: c.type == "medsync_principal").name, "Kim Park")

    def test_vendor_portal_reaches_its_vendor_only(self):
        self.assertError(self.post("vendor_onboarding", self.onboarding(), "p1", system="appr-t"), 422,
                         "UNKNOWN_VENDOR")
        own = self.onboarding(vendor="V-APPR", tax_id="36-1234567", principals=[], credentials=[])
        self.assertEqual(self.post("vendor_onboarding", own, "p2", system="appr-t").status_code, 202)
        self.assertEqual(self.run_jobs().state, "done")
        self.assertFalse(self.exceptions(self.approved, "HUB_VENDOR_REVIEW"), "the same tax id, written otherwise")

    # ------------------------------------------------------------------ refusals

    def test_unknown_category_or_requirement_is_refused_with_its_path(self):
        problems = self.assertError(self.post("vendor_onboarding", self.onboarding(category="DENTAL"), "r1"), 422,
                                    "UNKNOWN_CATEGORY")
        self.assertEqual([(p["path"], p["rule"]) for p in problems], [("category", "enum")])
        self.assertIn("MEDSURG", problems[0]["message"])
        creds = [{"requirement": "W9"}, {"requirement": "DEA", "number": "AB1234563"}, {"requirement": "LIC"}]
        problems = self.assertError(self.post("vendor_onboarding", self.onboarding(credentials=creds), "r2"), 422,
                                    "UNKNOWN_REQUIREMENT")
        self.assertEqual([p["path"] for p in problems], ["credentials[1].requirement", "credentials[2].requirement"])
        dup = self.onboarding(principals=[{"name": "Ann Lee"}, {"name": "ann lee"}])
        problems = self.assertError(self.post("vendor_onboarding", dup, "r3"), 422, "VALIDATION_FAILED")
        self.assertEqual([(p["path"], p["rule"]) for p in problems], [("principals[1].name", "duplicate")])
        problems = self.assertError(self.post("vendor_onboarding", self.onboarding(state="Atlantis"), "r4"), 422,
                                    "UNKNOWN_STATE")
        self.assertEqual(problems[0]["path"], "state")
        taken = self.onboarding(tax_id="361234567")
        self.assertError(self.post("vendor_onboarding", taken, "r5"), 422, "DUPLICATE_TAX_ID")
        # nothing written: no vendor, no credential, the refused documents kept as rejected messages
        self.assertFalse(self.vendor("V-ORTHO"))
        msgs = self.env["medsync.message"].search([("system_id", "=", self.portal.id)])
        self.assertEqual(set(msgs.mapped("state")), {"rejected"})
        self.assertEqual(sorted(msgs.mapped("error_code")), sorted([
            "UNKNOWN_CATEGORY", "UNKNOWN_REQUIREMENT", "VALIDATION_FAILED", "UNKNOWN_STATE", "DUPLICATE_TAX_ID"]))
        # the corrected document goes through under a refused key
        self.assertEqual(self.post("vendor_onboarding", self.onboarding(), "r1").status_code, 202)

    def test_oversize_document_is_refused(self):
        big = base64.b64encode(b"\0" * (MAX_DOCUMENT + 1)).decode()
        doc = self.onboarding(credentials=[{"requirement": "W9", "document_name": "w9.pdf", "document": big}])
        problems = self.assertError(self.post("vendor_onboarding", doc, "big"), 422, "VALIDATION_FAILED")
        self.assertEqual([(p["path"], p["rule"]) for p in problems], [("credentials[0].document", "length")])
        # a system with the default body limit (2 MiB) refuses the body before reading it
        self.assertError(self.post("vendor_credential", doc, "big", system="verifier-t"), 413, "BODY_TOO_LARGE")
        exact = self.onboarding(credentials=[{"requirement": "W9", "document_name": "w9.pdf",
                                              "document": base64.b64encode(b"\0" * MAX_DOCUMENT).decode()}])
        self.assertEqual(self.post("vendor_onboarding", exact, "max").status_code, 202)
        self.assertEqual(self.run_jobs().state, "done")
        w9 = self.vendor("V-ORTHO").medsync_credential_ids.filtered(lambda c: c.requirement_id.code == "W9")
        self.assertEqual(len(base64.b64decode(w9.document)), MAX_DOCUMENT)
        self.assertFalse(self.env["medsync.message"].search([("idempotency_key", "=", "big")]))

    def test_a_system_without_the_flow_is_refused(self):
        self.assertError(self.post("vendor_credential", {"vendor": "V-APPR", "requirement": "COI",
                                                         "status": "valid"}, "f1"), 404, "FLOW_UNKNOWN")
        self.assertError(self.post("vendor_onboarding", self.onboarding(), "f2", system="verifier-t"), 404,
                         "FLOW_UNKNOWN")
        self.assertFalse(self.vendor("V-ORTHO"))
        self.assertEqual(self.coi.review_state, "valid")

    # ------------------------------------------------------------------ credential status

    def test_credential_status_from_the_platform(self):
        status = {"vendor": "V-APPR", "requirement": "COI", "status": "valid", "number": "GL-1",
                  "valid_until": "2036-12-31", "checked_at": "2026-11-20T09:30:00-06:00",
                  "note": "primary source verified"}
        guard.privileged(self.coi).write({"review_state": "submitted"})
        self.assertEqual(self.post("vendor_credential", status, "c1", system="verifier-t").status_code, 202)
        self.assertEqual(self.run_jobs().state, "done")
        self.assertRecordValues(self.coi, [{
            "review_state": "valid", "state": "valid", "source": "platform",
            "reviewed_by_id": self.platform.user_id.id,
            "review_note": "Verified by Verifier T at 2026-11-20T15:30:00Z: primary source verified"}])
        self.assertEqual(str(self.coi.date_until), "2036-12-31")
        self.assertTrue(self.approved.message_ids.filtered(
            lambda m: "Verified by Verifier T at 2026-11-20T15:30:00Z" in (m.body or "")))
        self.assertFalse(self.exceptions(self.approved))
        # revoked: rejected, an exception for compliance, the vendor not suspended by a message
        revoked = {"vendor": "V-APPR", "requirement": "COI", "status": "revoked", "note": "policy cancelled"}
        self.assertEqual(self.post("vendor_credential", revoked, "c2", system="verifier-t").status_code, 202)
        self.assertEqual(self.run_jobs().state, "done")
        self.assertRecordValues(self.coi, [{"review_state": "rejected", "state": "rejected"}])
        self.assertIn("Revoked by Verifier T", self.coi.review_note)
        exc = self.exceptions(self.approved)
        self.assertEqual((len(exc), exc.key), (1, f"compliance-credential-{self.coi.id}"))
        self.assertEqual(self.approved.medsync_compliance_state, "approved")
        # the same status again changes nothing
        notes = len(self.approved.message_ids)
        self.assertEqual(self.post("vendor_credential", revoked, "c3", system="verifier-t").status_code, 202)
        self.assertEqual(self.run_jobs().state, "done")
        self.assertEqual((len(self.approved.message_ids), exc.occurrence_count), (notes, 1))
        # expired without an end date: it ends the day before the platform found it expired
        w9 = self.approved.medsync_credential_ids.filtered(lambda c: c.requirement_id.code == "W9")
        expired = {"vendor": "V-APPR", "requirement": "W9", "status": "expired", "checked_at": "2026-11-20T10:00:00Z"}
        self.assertEqual(self.post("vendor_credential", expired, "c4", system="verifier-t").status_code, 202)
        self.assertEqual(self.run_jobs().state, "done")
        self.assertEqual((str(w9.date_until), w9.state), ("2026-11-19", "expired"))

    def test_credential_refusals(self):
        cases = [({"vendor": "V-NOPE", "requirement": "COI", "status": "valid"}, "UNKNOWN_VENDOR", None),
                 ({"vendor": "V-APPR", "requirement": "DEA", "status": "valid"}, "UNKNOWN_REQUIREMENT", "requirement"),
                 ({"vendor": "V-APPR", "requirement": "COI", "status": "lapsed"}, "VALIDATION_FAILED", "status")]
        for i, (doc, code, path) in enumerate(cases):
            problems = self.assertError(self.post("vendor_credential", doc, f"x{i}", system="verifier-t"), 422, code)
            if path:
                self.assertEqual(problems[0]["path"], path)
        self.assertEqual(self.coi.review_state, "valid")

    # ------------------------------------------------------------------ the documentation

    def test_documented_examples_do_what_the_documentation_says(self):
        """The two JSON examples of docs/api.md#vendor-compliance-documents, processed."""
        text = API_DOC.read_text(encoding="utf-8").split("## Vendor compliance documents", 1)[1]
        onboarding, credential = (json.loads(b) for b in re.findall(r"^```json\n(.*?)^```", text, re.S | re.M)[:2])
        sutura = self.vendor(credential["vendor"]) or self.env["res.partner"].create({
            "name": "Sutura Medical Inc.", "ref": credential["vendor"], "is_company": True, "supplier_rank": 1,
            "medsync_compliance_profile_id": self.medsurg.id})
        self.assertEqual(self.post("vendor_onboarding", onboarding, "doc1").status_code, 202)
        self.assertEqual(self.post("vendor_credential", credential, "doc2", system="verifier-t").status_code, 202)
        msgs = self.run_jobs()
        self.assertEqual(set(msgs.mapped("state")), {"done"}, msgs.mapped("error_message"))
        vendor = self.vendor(onboarding["vendor"])
        self.assertEqual((vendor.medsync_compliance_state, vendor.medsync_compliance_profile_id.code),
                         ("onboarding", onboarding["category"]))
        self.assertEqual(len(vendor.child_ids.filtered(lambda c: c.type == "medsync_principal")), 2)
        coi = sutura.medsync_credential_ids.filtered(lambda c: c.requirement_id.code == credential["requirement"])
        self.assertEqual((coi.review_state, coi.state), ("valid", "valid"))
        self.assertTrue(coi.review_note.startswith("Verified by Verifier T at 2026-11-20T15:30:00Z"))
