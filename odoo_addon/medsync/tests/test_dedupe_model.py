"""The duplicate-vendor model of each company: learned by each complete scan
(from the vendors and the steward's decisions), kept as versions, reused by
the nightly scan of changed vendors and by the check at vendor creation,
reset by a steward; the steward's view of a pair."""

import json
import random
from ast import literal_eval
from unittest import mock

from lxml import etree
from markupsafe import escape
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from ..services import dedupe as svc
from ..services import dedupe_view, engine
from .common import MedsyncCase

# syllables no demo vendor is made of
SYLLABLES = "ab ur ix om el yn ka po dr ust ev ig oq at ne".split()
STREETS = ["Birch", "Quarry", "Willow", "Canal", "Orchard", "Summit", "Beacon", "Meadow"]


@tagged("post_install", "-at_install")
class TestDedupeModel(MedsyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.us = cls.env.ref("base.us")
        cls.Partner = cls.env["res.partner"].with_context(tracking_disable=True)
        cls.Model = cls.env["medsync.dedupe.model"]
        cls.steward = cls.users["steward"]
        cls.a, cls.b, cls.c = cls.Partner.create([
            {"name": "Quilvex Orthopedic Inc.", "zip": "60601", "street": "12 Lake Street", "city": "Chicago",
             "phone": "(312) 555-0101", "email": "ap@quilvex.com", "vat": "46-1234567"},
            {"name": "QUILVEX ORTHOPEDIC LLC", "zip": "60601", "street": "12 Lake St", "city": "Chicago",
             "phone": "312.555.0101"},
            {"name": "Halcyon Dental Labs", "zip": "10001", "phone": "(212) 555-0199"},
        ])
        (cls.a | cls.b | cls.c).write({"is_company": True, "supplier_rank": 1, "country_id": cls.us.id})
        cls.env["res.partner.bank"].create({"partner_id": cls.a.id, "acc_number": "GB82WEST12345698765432"})

    def _find(self, user=None):
        self.env["medsync.vendor.duplicate"].with_user(user or self.steward).action_find_duplicates()

    def _pair(self, x, y, company=None):
        left, right = sorted((x.id, y.id))
        return self.env["medsync.vendor.duplicate"].search([("left_id", "=", left), ("right_id", "=", right),
                                                            ("company_id", "=", (company or self.company).id)])

    def _versions(self, company=None):
        """The company's versions learned in this test (the demo's scan stored one at install), newest first."""
        return self.Model.with_context(active_test=False).search(
            [("company_id", "=", (company or self.company).id), ("version", ">", self.base.get(company, 0))])

    def setUp(self):
        super().setUp()
        self.base = {None: self.Model.with_context(active_test=False).search(
            [("company_id", "=", self.company.id)], limit=1).version}

    def v(self, n):
        """Version number ``n`` of this test."""
        return self.base[None] + n

    def _age(self, hours=2):
        """Everything so far happened ``hours`` ago (one test transaction has one clock)."""
        for table, column in (("medsync_run", "date_start"), ("res_partner", "write_date"),
                              ("res_partner_bank", "write_date"), ("medsync_vendor_duplicate", "decided_on"),
                              ("medsync_dedupe_model", "learned_on")):
            self.env.cr.execute(SQL("UPDATE %s SET %s = %s - make_interval(hours => %s)", SQL.identifier(table),
                                    SQL.identifier(column), SQL.identifier(column), hours))
        self.env.invalidate_all()

    # ------------------------------------------------------------------ versions

    def test_each_complete_scan_stores_a_version(self):
        self.assertFalse(self._versions())
        self.assertEqual(self.Model._active_for(self.company).version, self.base[None], "the demo's scan")
        self._find()
        v1 = self.Model._active_for(self.company)
        self.assertRecordValues(v1, [{"version": self.v(1), "note": "learned", "active": True, "labels": 0,
                                      "company_id": self.company.id}])
        self.assertGreater(v1.records, 3)
        self.assertTrue(v1.run_id)
        params = v1.params()
        self.assertLessEqual({"name", "address", "zip", "phone", "email"}, set(params["comparisons"]))
        pair = self._pair(self.a, self.b)
        self.assertEqual(pair.model_version, self.v(1))
        self.assertGreater(pair.probability, 0.5)
        self.assertAlmostEqual(pair.uncertainty, 1 - 2 * abs(pair.probability - 0.5), places=6)
        self.assertAlmostEqual(pair.priority, pair.probability * (1 + pair.spend_exposure), places=6)
        # the evidence carries the learned weights of the version that scored it
        phone = next(e for e in json.loads(pair.evidence_json) if e["field"] == "phone")
        self.assertAlmostEqual(phone["weight"], params["comparisons"]["phone"]["weight"][0], places=2)
        self.assertIn("same phone 13125550101: +", pair.explanation)
        self.assertIn("Match probability", pair.explanation)
        self._find()
        versions = self._versions()
        self.assertEqual(versions.mapped("version"), [self.v(2), self.v(1)])
        self.assertEqual(versions.mapped("active"), [True, False], "one version in use per company")
        self.assertEqual(self.Model.search_count([("company_id", "=", self.company.id)]), 1)
        self.assertEqual(pair.model_version, self.v(2))
        # each company has its own versions: shared vendors are scored with the scanning company's model
        self.steward.company_ids |= self.company_b
        self.env["medsync.vendor.duplicate"].with_user(self.steward).with_company(self.company_b) \
            .action_find_duplicates()
        self.assertEqual(self._versions(self.company_b).mapped("version"), [1])
        pair_b = self._pair(self.a, self.b, company=self.company_b)
        self.assertEqual(pair_b.model_version, 1)

    def test_changed_vendors_are_scored_with_the_active_version(self):
        self._find()
        v1 = self.Model._active_for(self.company)
        self._age()
        self.c.write({"name": "Quilvex Orthopedic", "phone": "(312) 555-0101"})
        self.env["medsync.vendor.dedupe"]._cron_scan()
        run = self.env["medsync.run"].search([("engine", "=", "dedupe"), ("company_id", "=", self.company.id)],
                                             limit=1)
        self.assertEqual(run.scope, "changed vendors")
        self.assertEqual(self._versions(), v1, "no re-learning on changed vendors")
        pair = self._pair(self.a, self.c)
        self.assertEqual(pair.model_version, v1.version)
        phone = next(e for e in json.loads(pair.evidence_json) if e["field"] == "phone")
        self.assertAlmostEqual(phone["weight"], v1.params()["comparisons"]["phone"]["weight"][0], places=2)

    def test_the_creation_check_picks_up_a_new_version(self):
        values = {"name": "Quilvex Orthopaedic", "phones": ["312 555 0101"], "country": "US", "zip": "60601"}
        self._find()
        v1 = self.Model._active_for(self.company)
        hits = svc.check_vendor(self.env, self.company, values)
        self.assertIn(self.a.id, [h["id"] for h in hits])
        entry = svc._INDEXES[(self.env.cr.dbname, self.company.id)]
        self.assertEqual((entry["model_id"], entry["version"]), (v1.id, self.v(1)))
        index = entry["index"]
        # a scan in another worker stores version 2, in which a shared phone says little
        params = v1.params()
        params["comparisons"]["phone"]["m"][0] = params["comparisons"]["phone"]["u"][0]
        v2 = self.Model._store(self.company, params)
        hits = svc.check_vendor(self.env, self.company, values)
        entry = svc._INDEXES[(self.env.cr.dbname, self.company.id)]
        self.assertIs(entry["index"], index, "the index is kept, its model replaced")
        self.assertEqual((entry["model_id"], entry["version"]), (v2.id, self.v(2)))
        self.assertAlmostEqual(index.model()["comparisons"]["phone"]["weight"][0], 0.0, places=6)
        hit = next(h for h in hits if h["id"] == self.a.id)
        self.assertAlmostEqual(next(e["weight"] for e in hit["evidence"] if e["field"] == "phone"), 0.0, places=6)
        # after a reset the index learns its own weights from the vendors again
        v3 = self.Model.with_user(self.steward)._reset(self.company, "new vendor master imported")
        svc.check_vendor(self.env, self.company, values)
        entry = svc._INDEXES[(self.env.cr.dbname, self.company.id)]
        self.assertIsNot(entry["index"], index)
        self.assertEqual((entry["model_id"], entry["version"]), (v3.id, self.v(3)))

    # ------------------------------------------------------------------ reset

    def test_reset_forgets_the_learned_weights_and_older_decisions(self):
        self._find()
        pair = self._pair(self.a, self.b)
        pair.with_user(self.steward).action_duplicate()
        self._find()
        self.assertEqual(self.Model._active_for(self.company).labels, 1, "the decision taught the model")
        self._age()
        wizard = self.env["medsync.dedupe.model.reset"].with_user(self.steward).create(
            {"company_id": self.company.id, "reason": "A wrong batch of decisions"})
        action = wizard.action_confirm()
        reset = self.Model.browse(action["res_id"])
        self.assertRecordValues(reset, [{"version": self.v(3), "note": "reset", "active": True, "params_json": False,
                                         "reason": "A wrong batch of decisions"}])
        self.assertEqual(reset.create_uid, self.steward)
        self.assertFalse(self._versions().filtered(lambda v: v.active and v != reset), "learned versions archived")
        audit = self.env["medsync.audit"].search([("action", "=", "dedupe_model_reset")], limit=1)
        self.assertEqual((audit.user_id, audit.reason), (self.steward, "A wrong batch of decisions"))
        self.assertIn("No learned weights", reset.with_user(self.steward).weights_chart)
        # the nightly scan after a reset learns afresh, leaving out the decision taken before it
        self.env["medsync.vendor.dedupe"]._cron_scan()
        v4 = self.Model._active_for(self.company)
        self.assertRecordValues(v4, [{"version": self.v(4), "note": "learned", "labels": 0}])
        # a decision taken after the reset teaches it again
        pair.with_user(self.steward).action_not_duplicate()
        self._find()
        self.assertEqual(self.Model._active_for(self.company).labels, 1)

    def test_only_the_engine_and_the_steward_change_models(self):
        self._find()
        version = self.Model._active_for(self.company)
        reader, buyer, admin = self.users["reader"], self.users["buyer"], self.env.ref("base.user_admin")
        with self.assertRaises(AccessError):
            version.with_user(reader).read(["params_json"])
        self.assertTrue(version.with_user(self.steward).read(["params_json"])[0]["params_json"])
        self.assertTrue(version.with_user(self.users["ap_manager"]).weights_chart)
        for user in (self.steward, admin):
            with self.assertRaises(AccessError, msg=user.login):
                version.with_user(user).write({"params_json": "{}"})
            with self.assertRaises(AccessError, msg=user.login):
                version.with_user(user).write({"active": False})
            with self.assertRaises(AccessError, msg=user.login):
                version.with_user(user).unlink()
            with self.assertRaises(AccessError, msg=user.login):
                self.Model.with_user(user).create({"company_id": self.company.id, "version": 99})
        with self.assertRaises(AccessError):
            self.env["medsync.dedupe.model.reset"].with_user(buyer).create({"reason": "x"})
        for user in (reader, buyer, self.users["ap_manager"]):
            with self.assertRaises(UserError, msg=user.login):
                self.Model.with_user(user)._reset(self.company, "not mine to reset")
            with self.assertRaises(UserError, msg=user.login):
                version.with_user(user).action_open_reset()
        with self.assertRaisesRegex(UserError, "why"):
            self.Model.with_user(self.steward)._reset(self.company, "  ")
        with self.assertRaises(UserError):
            self.env["medsync.vendor.duplicate"].with_user(buyer).action_find_duplicates()
        self.assertEqual(self.Model._active_for(self.company), version, "nothing changed")

    # ------------------------------------------------------------------ thresholds

    def test_thresholds_are_probabilities(self):
        self.assertEqual((self.company.medsync_dedupe_likely_probability,
                          self.company.medsync_dedupe_possible_probability), (0.5, 0.1))
        self.company.write({"medsync_dedupe_likely_probability": 0.8, "medsync_dedupe_possible_probability": 0.25})
        with mock.patch.object(engine, "call", wraps=engine.call) as call:
            self._find()
            svc.check_vendor(self.env, self.company, {"name": "Quilvex Orthopedic", "country": "US"})
        sent = {c.args[1]: c.kwargs for c in call.call_args_list}
        self.assertEqual((sent["dedupe_vendors"]["likely"], sent["dedupe_vendors"]["possible"]), (0.8, 0.25))
        self.assertEqual((sent["DedupeIndex"]["likely"], sent["DedupeIndex"]["possible"]), (0.8, 0.25))
        run = self.env["medsync.run"].search([("engine", "=", "dedupe"), ("company_id", "=", self.company.id)],
                                             limit=1)
        pairs = self.env["medsync.vendor.duplicate"].search([("run_id", "=", run.id)])
        self.assertTrue(pairs)
        for pair in pairs.filtered(lambda d: d.state == "new"):
            self.assertGreaterEqual(pair.probability, 0.25 - 1e-4)
            # a pair whose names differ is at most "possible", whatever its probability
            if pair.probability < 0.8:
                self.assertEqual(pair.band, "possible", pair.name)
        self.assertTrue(pairs.filtered(lambda d: d.band == "likely"))
        self.assertTrue(all(d.probability >= 0.8 for d in pairs.filtered(lambda d: d.band == "likely")))
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.company.write({"medsync_dedupe_possible_probability": 0.9})
            self.env.flush_all()

    # ------------------------------------------------------------------ the steward's view of a pair

    def test_side_by_side_and_waterfall_for_users_without_email(self):
        self.b.write({"mobile": "+1 312 555 0177", "website": "https://quilvex.com"})
        self._find()
        pair = self._pair(self.a, self.b)
        steward = new_test_user(self.env, login="model_steward", email=False,
                                groups="base.group_user,medsync.group_medsync_steward")
        reader = new_test_user(self.env, login="model_reader", email=False,
                               groups="base.group_user,medsync.group_medsync_user")
        for user in (steward, reader):
            form = Form(pair.with_user(user))
            side, fall = str(form.comparison_html), str(form.waterfall_html)
            for text in ("Quilvex Orthopedic Inc.", "QUILVEX ORTHOPEDIC LLC", "12 Lake Street", "12 Lake St",
                         "(312) 555-0101", "+1 312 555 0177", "ap@quilvex.com", "VAT 46-1234567",
                         "same house number and street", "Spend (365 days)", "no bill"):
                self.assertIn(text, side, f"{user.login}: {text}")
            self.assertIn("width:", side.replace(" ", ""), "weights are shown")
            self.assertIn("Prior", fall)
            self.assertIn(f"{escape(dedupe_view.percent(pair.probability))} match probability", fall)
            self.assertGreaterEqual(fall.count("background-color"), 3, "one bar per step")
        self.assertIn("GB82WEST12345698765432", str(Form(pair.with_user(steward)).comparison_html))
        self.assertNotIn("GB82WEST12345698765432", str(Form(pair.with_user(reader)).comparison_html))
        self.assertIn("5432", str(Form(pair.with_user(reader)).comparison_html))
        pair.with_user(steward).action_not_duplicate()
        self.assertEqual(pair.state, "not_duplicate")
        version = self.Model._active_for(self.company)
        chart = str(Form(version.with_user(steward)).weights_chart)
        for text in ("same house number, another street", "same street, a house number missing",
                     "one name contains the other", "same company e-mail domain", "zip code", "Prior"):
            self.assertIn(text, chart)

    # ------------------------------------------------------------------ learning from the steward

    def _world(self):
        """A vendor master where twenty pairs of different vendors share a
        building and its switchboard (same street, house number, zip and
        phone, names unalike), beside fifteen true duplicates (a legal form
        swapped) and ten vendors typed again after a move (same name, no
        phone, another street)."""
        rng = random.Random(17)
        seen = set()

        def stem():
            while True:
                s = "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()
                if s not in seen:
                    seen.add(s)
                    return s

        def vendor():
            return {"name": f"{stem()} {rng.choice(['Medical', 'Surgical', 'Labs', 'Health', 'Dental'])} Inc",
                    "street": f"{rng.randrange(1, 9999)} {rng.choice(STREETS)} Street",
                    "city": rng.choice(["Springfield", "Salem", "Madison", "Dayton"]),
                    "zip": f"{rng.randrange(10000, 99999)}",
                    "phone": f"({rng.randrange(201, 989)}) {rng.randrange(200, 999)}-{rng.randrange(0, 9999):04d}"}

        base = [vendor() for _ in range(300)]
        twins = {"duplicate": [], "building": [], "moved": []}
        for v in base[:15]:
            twins["duplicate"].append((v, dict(v, name=v["name"].replace(" Inc", " LLC"),
                                               street=v["street"].replace("Street", "St"))))
        for v in base[100:120]:
            twins["building"].append((v, dict(v, name=f"{stem()} {rng.choice(['Pharmacy', 'Imaging'])} Group")))
        for v in base[200:210]:
            twins["moved"].append((v, dict(v, name=v["name"].replace(" Inc", ""), phone=False,
                                           street=f"{rng.randrange(1, 9999)} {rng.choice(STREETS)} Avenue")))
        extra = [twin for pairs in twins.values() for _v, twin in pairs]
        common = {"is_company": True, "supplier_rank": 1, "country_id": self.us.id}
        records = self.Partner.create([dict(v, **common) for v in base + extra])
        by_name = {p.name: p for p in records}
        return {kind: [(by_name[v["name"]], by_name[t["name"]]) for v, t in pairs] for kind, pairs in twins.items()}

    def _queue(self, partners):
        """The review queue (state new) as the steward sees it, these vendors' pairs only."""
        return self.env["medsync.vendor.duplicate"].with_user(self.steward).search(
            [("state", "=", "new"), ("left_id", "in", partners.ids), ("right_id", "in", partners.ids)])

    def test_ten_decisions_change_the_ranking_of_the_queue(self):
        world = self._world()
        self._find()
        pairs = {kind: [self._pair(x, y) for x, y in twins] for kind, twins in world.items()}
        for kind, found in pairs.items():
            self.assertTrue(all(found), f"every {kind} pair is in the queue")
        partners = self.env["res.partner"].browse(
            [p.id for twins in world.values() for pair in twins for p in pair])
        asked, undecided = pairs["building"][:10], pairs["building"][10:]
        before = {p.id: (p.probability, p.score) for p in undecided}
        queue = self._queue(partners)
        rank_before = {p.id: k for k, p in enumerate(queue)}
        moved_before = {rank_before[p.id] for p in pairs["moved"]}
        self.assertLess(max(rank_before[p.id] for p in undecided), min(moved_before),
                        "at first, a shared building and switchboard outrank a vendor typed again after a move")
        self.assertTrue(all(p.probability > 0.95 for p in undecided), "at first the model takes them for duplicates")

        # ten decisions of the steward: these vendors only share an address and a phone
        for pair in asked:
            pair.with_user(self.steward).action_not_duplicate()
        self._find()
        version = self.Model._active_for(self.company)
        self.assertEqual((version.version, version.labels), (self.v(2), 10))
        self.assertTrue(all(p.state == "not_duplicate" for p in asked), "the decisions stand")

        queue = self._queue(partners)
        rank_after = {p.id: k for k, p in enumerate(queue)}
        for p in undecided:
            probability, score = before[p.id]
            self.assertLess(p.score, score - 5, "the same evidence weighs less")
            self.assertLess(p.probability, min(probability - 0.05, 0.9))
            above = [m for m in pairs["moved"] if rank_after[m.id] < rank_after[p.id]]
            self.assertEqual(len(above), len(pairs["moved"]), "it falls below every vendor typed again")
        worst_true = max(rank_after[p.id] for p in pairs["duplicate"] + pairs["moved"])
        self.assertGreater(min(rank_after[p.id] for p in undecided), worst_true,
                           "every true duplicate is now asked about first")
        # the next questions ("Uncertain first", five at a time) are about the pairs like those decided
        action = self.env.ref("medsync.medsync_vendor_duplicate_uncertain_action")
        order = etree.fromstring(action.view_id.arch).get("default_order")
        asked_next = self.env["medsync.vendor.duplicate"].with_user(self.steward).search(
            literal_eval(action.domain), order=order, limit=action.limit)
        self.assertEqual(len(asked_next), 5)
        self.assertLessEqual(set(asked_next.ids), {p.id for p in undecided})
        # what changed is the weight of a shared address and phone, shown on the model's screen
        first = self._versions().filtered(lambda v: v.version == self.v(1)).params()["comparisons"]
        now = version.params()["comparisons"]
        self.assertLess(now["address"]["weight"][0] + now["phone"]["weight"][0],
                        first["address"]["weight"][0] + first["phone"]["weight"][0] - 5)
        # true duplicates stay where they were: at the top, likely
        self.assertTrue(all(p.band == "likely" and p.probability > 0.99 for p in pairs["duplicate"]))

    def test_undone_merges_teach_the_model(self):
        self._find()
        wizard = Form(self.env["medsync.vendor.merge"].with_user(self.steward).with_context(
            default_partner_ids=(self.a | self.b).ids))
        wizard.winner_id = self.a
        action = wizard.save().action_merge()
        log = self.env["medsync.vendor.merge.log"].browse(action["res_id"])
        labels = svc.steward_labels(self.env, self.company)
        self.assertEqual(labels["duplicate"], [True], "a merge is a duplicate")
        log.with_user(self.steward).action_undo()
        labels = svc.steward_labels(self.env, self.company)
        self.assertEqual((labels["left_id"], labels["right_id"], labels["duplicate"]),
                         ([min(self.a.id, self.b.id)], [max(self.a.id, self.b.id)], [False]),
                         "a merge undone is not a duplicate")
        self._find()
        self.assertEqual(self.Model._active_for(self.company).labels, 1)
        self.assertEqual(self._pair(self.a, self.b).state, "new")

    def test_a_merge_teaches_the_next_scan(self):
        """The archived vendor of a merge comes back to the scan only for its
        label: the model learns from the merge, and no pair or signal names
        the archived vendor."""
        self._find()
        wizard = Form(self.env["medsync.vendor.merge"].with_user(self.steward).with_context(
            default_partner_ids=(self.a | self.b).ids))
        wizard.winner_id = self.a
        wizard.save().action_merge()
        self.assertFalse(self.b.active)
        self._age()
        self._find()
        model = self.Model._active_for(self.company)
        self.assertEqual(model.labels, 1, "the merge is a label although its loser is archived")
        pairs = self.env["medsync.vendor.duplicate"].search([("run_id", "=", model.run_id.id)])
        self.assertTrue(pairs, "the scan found pairs")
        self.assertNotIn(self.b, pairs.left_id | pairs.right_id)

    def test_a_merge_keeps_other_decisions_and_merged_pairs_stay_merged(self):
        """Merging A and B marks only their pair merged: B's pair with C keeps
        the steward's "not a duplicate" (it teaches nothing else), and a merged
        pair cannot be re-decided until its merge is undone."""
        self.c.write({"name": "Quilvex Orthopedic Holdings", "zip": "60601", "phone": "(312) 555-0101"})
        self._find()
        bc = self._pair(self.b, self.c)
        self.assertTrue(bc, "the scan pairs B and C")
        bc.with_user(self.steward).action_not_duplicate()
        wizard = Form(self.env["medsync.vendor.merge"].with_user(self.steward).with_context(
            default_partner_ids=(self.a | self.b).ids))
        wizard.winner_id = self.a
        wizard.save().action_merge()
        self.assertEqual(self._pair(self.a, self.b).state, "merged")
        self.assertEqual(bc.state, "not_duplicate", "a pair with an outsider keeps its decision")
        labels = svc.steward_labels(self.env, self.company)
        decided = dict(zip(zip(labels["left_id"], labels["right_id"], strict=True), labels["duplicate"], strict=True))
        self.assertEqual(decided[tuple(sorted((self.b.id, self.c.id)))], False)
        ab = self._pair(self.a, self.b)
        for action in ("action_not_duplicate", "action_duplicate"):
            with self.assertRaises(UserError):
                getattr(ab.with_user(self.steward), action)()
        self.assertEqual(ab.state, "merged")
        with self.assertRaises(UserError):
            self.env["medsync.vendor.merge"].with_user(self.steward).create(
                {"partner_ids": [(6, 0, (self.a | self.c).ids)]}).action_merge()
