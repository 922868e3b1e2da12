from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import MedsyncCase


@tagged("post_install", "-at_install")
class TestExceptionLifecycle(MedsyncCase):
    def close(self, exc, mode, note, user):
        action = getattr(exc.with_user(user), f"action_{mode}")()
        ctx = action["context"]
        wizard = Form(self.env["medsync.exception.close"].with_user(user).with_context(**ctx))
        wizard.note = note
        return wizard.save().action_confirm()

    def test_routing_sla_and_activity_for_the_owner(self):
        before = fields.Datetime.now()
        exc = self.raise_exception()
        # no owner given: the reason's team owns it, its leader gets the to-do
        self.assertEqual(exc.owner_team_id, self.team)
        self.assertEqual(exc.severity, "medium")
        self.assertAlmostEqual((exc.date_due - before).total_seconds(), 24 * 3600, delta=120)
        activity = exc.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.users["ap_manager"])
        self.assertEqual(activity.date_deadline, exc.date_due.date())
        # an explicit owner gets it instead; reassigning moves the to-do
        exc2 = self.raise_exception(owner_user_id=self.users["ap_clerk"].id)
        self.assertEqual(exc2.activity_ids.user_id, self.users["ap_clerk"])
        exc2.owner_user_id = self.users["buyer"]
        self.assertEqual(exc2.activity_ids.user_id, self.users["buyer"])
        # no reason SLA: the company default applies
        self.company.medsync_exception_sla_hours = 6
        exc3 = self.raise_exception(reason_id=self.reason_stock.id)
        self.assertAlmostEqual((exc3.date_due - fields.Datetime.now()).total_seconds(), 6 * 3600, delta=120)
        self.assertEqual(exc3.severity, "high")

    def test_resolve_needs_a_reason_and_records_who(self):
        clerk = self.users["ap_clerk"]
        exc = self.raise_exception(owner_user_id=clerk.id)
        self.close(exc, "start", "Asking the vendor for a credit note", clerk)
        self.assertEqual(exc.state, "in_progress")
        with self.assertRaises(UserError):
            exc.with_user(clerk)._close("resolve", "   ")
        self.close(exc, "resolve", "Vendor sent a credit note for the difference", clerk)
        self.assertRecordValues(exc, [{
            "state": "resolved", "closed_by_id": clerk.id,
            "close_note": "Vendor sent a credit note for the difference",
        }])
        self.assertTrue(exc.date_closed)
        self.assertFalse(exc.activity_ids, "the owner's to-do is marked done")
        self.assertIn("credit note", exc.message_ids[0].body)
        with self.assertRaises(UserError):
            exc.with_user(clerk)._close("resolve", "again")

    def test_waive_is_reserved_to_the_reason_group(self):
        exc = self.raise_exception()
        with self.assertRaises(AccessError):
            exc.with_user(self.users["ap_clerk"]).action_waive()
        with self.assertRaises(AccessError):
            exc.with_user(self.users["ap_clerk"])._close("waive", "small amount")
        self.close(exc, "waive", "Below 1 EUR, not worth a dispute", self.users["ap_manager"])
        self.assertEqual(exc.state, "waived")
        self.assertEqual(exc.closed_by_id, self.users["ap_manager"])
        # a stock exception is waived by inventory control, not by AP
        drift = self.raise_exception(reason_id=self.reason_stock.id)
        with self.assertRaises(AccessError):
            drift.with_user(self.users["ap_manager"]).action_waive()
        self.close(drift, "waive", "Counted again, difference is a known cabinet lag", self.users["inventory"])
        self.assertEqual(drift.state, "waived")

    def test_state_changes_only_through_the_life_cycle(self):
        exc = self.raise_exception()
        with self.assertRaises(UserError):
            exc.with_user(self.users["ap_clerk"]).write({"state": "resolved"})
        with self.assertRaises(UserError):
            exc.write({"close_note": "sneaky"})
        with self.assertRaises(UserError):
            self.raise_exception(state="waived")
        clerk = self.users["ap_clerk"]
        exc.with_user(clerk)._close("start", "on it")
        with self.assertRaises(UserError):
            exc.with_user(clerk).action_start()  # already in progress

    def test_reopen_clears_the_closing_and_reassigns(self):
        clerk = self.users["ap_clerk"]
        exc = self.raise_exception(owner_user_id=clerk.id)
        self.close(exc, "resolve", "fixed", clerk)
        self.close(exc, "reopen", "the credit note never came", clerk)
        self.assertRecordValues(exc, [{"state": "open", "closed_by_id": False, "close_note": False}])
        self.assertEqual(exc.activity_ids.user_id, clerk)

    def test_raise_many_is_idempotent_per_open_key(self):
        Exc = self.env["medsync.exception"]
        vals = {"name": "Missing receipt", "reason_code": "TEST_PRICE", "key": "bill-line-42", "amount": 10.0}
        first = Exc._raise_many([vals])
        again = Exc._raise_many([dict(vals, amount=12.5), dict(vals, key="bill-line-43")])
        self.assertIn(first, again)
        self.assertEqual(len(again), 2)
        self.assertRecordValues(first, [{"occurrence_count": 2, "amount": 12.5}])
        self.assertEqual(Exc.search_count([("key", "=", "bill-line-42")]), 1)
        # the same key in another company is another exception
        other = Exc._raise_many([dict(vals, company_id=self.company_b.id)])
        self.assertNotEqual(other, first)
        # once closed, the problem coming back is a new exception
        first._auto_resolve("receipt arrived")
        self.assertEqual(first.state, "resolved")
        self.assertFalse(first.closed_by_id, "closed by the engine, not by a person")
        back = Exc._raise_many([vals])
        self.assertNotEqual(back, first)
        self.assertEqual(back.state, "open")
        with self.assertRaises(UserError):
            Exc._raise_many([dict(vals, reason_code="NO_SUCH_CODE")])

    def test_bulk_raise_gives_what_create_gives(self):
        """Engines raise through one INSERT: every stored value must be the one
        create() would have written, links and the owner's to-do included."""
        Exc = self.env["medsync.exception"]
        po_line_vals = {"role": "PO line", "res_model": "res.partner", "res_id": self.env.user.partner_id.id}
        bulk = Exc._raise_many([{"name": "Bulk", "reason_code": "TEST_PRICE", "key": "bulk-1", "amount": 7.25,
                                 "description": "why\n\ttab \\\\ backslash", "link_ids": [(0, 0, po_line_vals)]},
                                {"name": "Bulk 2", "reason_code": "TEST_DRIFT", "key": "bulk-2",
                                 "owner_user_id": self.users["buyer"].id}])
        one = self.raise_exception(name="Bulk", amount=7.25, description="why\n\ttab \\\\ backslash",
                                   link_ids=[(0, 0, po_line_vals)])
        two = self.raise_exception(name="Bulk 2", reason_id=self.reason_stock.id,
                                   owner_user_id=self.users["buyer"].id)
        fields_ = [f.name for f in Exc._fields.values() if f.store and f.column_type and f.name not in (
            "id", "key", "create_date", "write_date", "date_due", "date_last_seen", "message_main_attachment_id")]
        expected = [{k: v for k, v in row.items() if k != "id"} for row in (one | two).read(fields_, load=None)]
        self.assertRecordValues(bulk, expected)
        self.assertEqual(bulk.mapped("reason_code"), ["TEST_PRICE", "TEST_DRIFT"])
        self.assertEqual(bulk.mapped("engine"), ["matching", "reconcile"])
        self.assertEqual(bulk.mapped("severity_rank"), [1, 2])
        self.assertEqual(bulk[0].link_ids.read(["role", "res_model", "res_id"], load=None)[0] | {"id": 0},
                         one.link_ids.read(["role", "res_model", "res_id"], load=None)[0] | {"id": 0})
        self.assertEqual(bulk.activity_ids.user_id, self.users["ap_manager"] | self.users["buyer"])
        self.assertAlmostEqual((bulk[0].date_due - one.date_due).total_seconds(), 0, delta=120)
        # a user without create rights on exceptions gets nothing written
        with self.assertRaises(AccessError):
            Exc.with_user(self.users["reader"])._raise_many([{"name": "x", "reason_code": "TEST_PRICE"}])

    def test_copied_codes_follow_the_reason_and_severity(self):
        exc = self.raise_exception()
        self.reason_ap.write({"code": "TEST_PRICE_RENAMED", "engine": "reconcile"})
        self.assertRecordValues(exc, [{"reason_code": "TEST_PRICE_RENAMED", "engine": "reconcile"}])
        exc.write({"severity": "critical", "reason_id": self.reason_stock.id})
        self.assertRecordValues(exc, [{"severity_rank": 3, "reason_code": "TEST_DRIFT", "engine": "reconcile"}])
        Exc = self.env["medsync.exception"]
        self.assertEqual(Exc.search([("id", "in", (exc | self.raise_exception()).ids)], limit=1), exc,
                         "the most severe first")

    def test_filters_mine_and_overdue(self):
        Exc = self.env["medsync.exception"]
        clerk = self.users["ap_clerk"]
        mine = self.raise_exception(owner_user_id=clerk.id, name="mine")
        team = self.raise_exception(name="team")  # owned by the team the clerk is in
        other = self.raise_exception(owner_user_id=self.users["buyer"].id, name="someone else's")
        late = self.raise_exception(name="late", date_due=fields.Datetime.now() - timedelta(hours=2))
        action = self.env.ref("medsync.medsync_exception_action_mine")
        search_view = self.env.ref("medsync.medsync_exception_view_search")
        self.assertIn("search_default_mine", action.context)
        self.assertIn('name="mine"', search_view.arch)
        domain_mine = ["|", ("owner_user_id", "=", clerk.id), "&", ("owner_user_id", "=", False),
                       ("owner_team_id.member_ids", "in", [clerk.id])]
        found = Exc.with_user(clerk).search([*domain_mine, ("id", "in", (mine | team | other | late).ids)])
        self.assertEqual(found, mine | team | late)
        overdue = Exc.search([("is_overdue", "=", True), ("id", "in", (mine | team | other | late).ids)])
        self.assertEqual(overdue, late)
        not_overdue = Exc.search([("is_overdue", "=", False), ("id", "in", (mine | team | other | late).ids)])
        self.assertEqual(not_overdue, mine | team | other)
        self.assertTrue(late.is_overdue)
        self.assertGreaterEqual(late.age_days, 0)

    def test_escalation_cron_is_batched_and_resumable(self):
        late = [self.raise_exception(name=f"late {i}", owner_user_id=self.users["ap_clerk"].id,
                                     date_due=fields.Datetime.now() - timedelta(days=1)) for i in range(3)]
        Exc = self.env["medsync.exception"]
        pending = Exc.search_count([("is_overdue", "=", True), ("escalated", "=", False)])
        self.assertGreaterEqual(pending, 3)
        self.assertEqual(Exc._cron_escalate_overdue(limit=2), 2)  # one batch
        self.assertEqual(Exc._cron_escalate_overdue(limit=500), pending - 2)  # the next run goes on
        self.assertEqual(Exc._cron_escalate_overdue(limit=500), 0)  # nothing twice
        for exc in late:
            self.assertTrue(exc.escalated)
            leader_todo = exc.activity_ids.filtered(lambda a: a.user_id == self.users["ap_manager"])
            self.assertTrue(leader_todo, "the team leader is told")
