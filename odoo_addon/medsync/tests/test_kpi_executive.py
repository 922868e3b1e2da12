"""The executive figures on a known history: orders charged to two
departments, confirmed, acknowledged and received on chosen dates, bills
with early-payment discounts paid before and after their discount date,
stock moved in and out of two departments' locations, billing lines posted,
and open exceptions of two teams. Each fact equals the value computed by
hand for two months, and its drill-down opens exactly the records counted.

The history is dated three years back: the demo data (in the test database)
covers the last twelve months, so those months hold only what is built here.
"""

import datetime as dt

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from ..services import guard
from ..services import kpi as registry
from .common import MedsyncCase
from .test_kpi import fact_rows


def at(day, hour=0, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute))


@tagged("post_install", "-at_install")
class TestKpiExecutive(MedsyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.Fact = env["medsync.kpi.fact"]
        year = fields.Date.today().year - 3
        cls.A, cls.B = dt.date(year, 3, 1), dt.date(year, 4, 1)
        A, B = cls.A, cls.B
        plan = env.ref("medsync.analytic_plan_departments")
        cls.dept_a = env["account.analytic.account"].create({"name": "Test theatres", "code": "TXA",
                                                            "plan_id": plan.id})
        cls.dept_b = env["account.analytic.account"].create({"name": "Test wards", "code": "TXB", "plan_id": plan.id})
        cls.vendor1 = env["res.partner"].create({"name": "Exec vendor one", "supplier_rank": 1})
        cls.vendor2 = env["res.partner"].create({"name": "Exec vendor two", "supplier_rank": 1})
        # the ordered product is valued at 0: its receipts (into the warehouse, no department) leave the turns alone
        cls.ordered = env["product.product"].create({"name": "Exec drapes", "is_storable": True, "standard_price": 0.0,
                                                     "supplier_taxes_id": [Command.clear()]})
        cls.stocked = env["product.product"].create({"name": "Exec sutures", "is_storable": True,
                                                     "standard_price": 10.0})
        a, b = str(cls.dept_a.id), str(cls.dept_b.id)

        # orders: PO1 (vendor 1, 10 @ 5, all A), PO2 (vendor 2, 4 @ 20, half A half B) in March; PO3 (vendor 1,
        # 1 @ 100, all B) in April. PO1 is received 6 in March and 4 in April.
        cls.po1 = cls.order(cls.vendor1, 10, 5.0, {a: 100}, created=at(A + dt.timedelta(days=1)),
                            approved=at(A + dt.timedelta(days=1), 10))
        cls.po2 = cls.order(cls.vendor2, 4, 20.0, {a: 50, b: 50}, created=at(A + dt.timedelta(days=2)),
                            approved=at(A + dt.timedelta(days=2), 8))
        cls.po3 = cls.order(cls.vendor1, 1, 100.0, {b: 100}, created=at(B + dt.timedelta(days=1)),
                            approved=at(B + dt.timedelta(days=1)))
        cls.r1 = cls.receive(cls.po1, 6, at(A + dt.timedelta(days=5)))
        cls.r2 = cls.receive(cls.po2, 4, at(A + dt.timedelta(days=10)))
        cls.r1b = cls.receive(cls.po1, 4, at(B + dt.timedelta(days=1)))
        cls.r3 = cls.receive(cls.po3, 1, at(B + dt.timedelta(days=4)))

        # acknowledgements: PO1 after 120 minutes (and again later), PO2 after 30, PO3 after a day
        Ack = guard.privileged(env["medsync.po.ack"].sudo())
        for po, when in ((cls.po1, at(A + dt.timedelta(days=1), 12)), (cls.po1, at(A + dt.timedelta(days=3))),
                         (cls.po2, at(A + dt.timedelta(days=2), 8, 30)), (cls.po3, at(B + dt.timedelta(days=2)))):
            Ack.create({"line_id": po.order_line.id, "received_at": when, "status": "accepted",
                        "qty": po.order_line.product_qty, "price": po.order_line.price_unit})

        # first match results: line 1 (A) matched then held; line 2 (no distribution: its PO line's, half A half
        # B) held; line 3 (B) within tolerance in April
        bill = env["account.move"].create({
            "move_type": "in_invoice", "partner_id": cls.vendor1.id, "invoice_date": A,
            "invoice_line_ids": [
                Command.create({"name": "line 1", "quantity": 1, "price_unit": 10, "analytic_distribution": {a: 100},
                                "tax_ids": [Command.clear()]}),
                Command.create({"name": "line 2", "quantity": 1, "price_unit": 10,
                                "purchase_line_id": cls.po2.order_line.id, "tax_ids": [Command.clear()]}),
                Command.create({"name": "line 3", "quantity": 1, "price_unit": 10, "analytic_distribution": {b: 100},
                                "tax_ids": [Command.clear()]})]})
        l1, l2, l3 = bill.invoice_line_ids.sorted("id")
        l2.analytic_distribution = False  # its PO line's distribution applies
        Result = guard.privileged(env["medsync.match.result"])
        cls.results = Result.create([
            {"move_id": bill.id, "move_line_id": line.id, "company_id": cls.company.id, "status": status,
             "is_current": False, "date": when}
            for line, status, when in ((l1, "matched", at(A + dt.timedelta(days=6))),
                                       (l1, "price_above_po", at(A + dt.timedelta(days=7))),
                                       (l2, "missing_receipt", at(A + dt.timedelta(days=7))),
                                       (l3, "within_tolerance", at(B + dt.timedelta(days=3))))])

        # early-payment discounts (2 % within 10 days): D1 (vendor 1, 1000) paid on day 5: taken; D2 (vendor 2,
        # 500) not paid: lost; D3 (vendor 1, 300, April) paid on day 15: lost
        cls.term = env["account.payment.term"].create({
            "name": "Exec 2% 10, net 30", "early_discount": True, "discount_percentage": 2, "discount_days": 10,
            "line_ids": [Command.create({"value": "percent", "value_amount": 100, "nb_days": 30})]})
        cls.d1 = cls.discount_bill(cls.vendor1, 1000.0, A, paid=A + dt.timedelta(days=5))
        cls.d2 = cls.discount_bill(cls.vendor2, 500.0, A + dt.timedelta(days=2))
        cls.d3 = cls.discount_bill(cls.vendor1, 300.0, B, paid=B + dt.timedelta(days=15))

        # stock of sutures (10 each): into A before March; 4 consumed from A's shelf; the other 6 moved to B (A is
        # out: a stock-out), consumed there (B is out); in April 5 into A, 2 consumed
        stock = env.ref("stock.stock_location_stock")
        Loc = env["stock.location"]
        cls.loc_a = Loc.create({"name": "Exec theatres store", "usage": "internal", "location_id": stock.id,
                                "medsync_department": "TXA"})
        cls.shelf_a = Loc.create({"name": "Exec theatres shelf", "usage": "internal", "location_id": cls.loc_a.id})
        cls.loc_b = Loc.create({"name": "Exec wards store", "usage": "internal", "location_id": stock.id,
                                "medsync_department": "TXB"})
        supplier, customer = env.ref("stock.stock_location_suppliers"), env.ref("stock.stock_location_customers")
        cls.m_in = cls.move(10, supplier, cls.shelf_a, at(A - dt.timedelta(days=9)))
        cls.m_use_a = cls.move(4, cls.shelf_a, customer, at(A + dt.timedelta(days=3)))
        cls.m_a_to_b = cls.move(6, cls.shelf_a, cls.loc_b, at(A + dt.timedelta(days=4)))
        cls.m_use_b = cls.move(6, cls.loc_b, customer, at(A + dt.timedelta(days=8)))
        cls.m_in2 = cls.move(5, supplier, cls.loc_a, at(B + dt.timedelta(days=2)))
        cls.m_use_a2 = cls.move(2, cls.loc_a, customer, at(B + dt.timedelta(days=5)))

        # billing: a batch posted on March 6 (services on the 2nd for A, 4th for B, 3rd for none), one on April 11
        # (service on the 9th for A)
        cls.billing_lines = {}
        for ref, posted, lines in (("EXEC-1", at(A + dt.timedelta(days=5)),
                                    ((1, cls.dept_a), (3, cls.dept_b), (2, None))),
                                   ("EXEC-2", at(B + dt.timedelta(days=10)), ((8, cls.dept_a),))):
            start = posted.date().replace(day=1)
            batch = guard.privileged(env["medsync.billing.batch"].sudo()).create({
                "batch_ref": ref, "source": "EXEC", "company_id": cls.company.id, "business_date": posted.date(),
                "currency_id": cls.company.currency_id.id})
            cls.billing_lines[ref] = guard.privileged(env["medsync.billing.line"].sudo()).create([
                {"batch_id": batch.id, "service_date": start + dt.timedelta(days=day),
                 "analytic_department_id": dept.id if dept else False, "amount": 100.0}
                for day, dept in lines])
            env.flush_all()
            env.cr.execute(SQL("UPDATE medsync_billing_batch SET state = 'posted', posted_at = %s WHERE id = %s",
                               posted, batch.id))
        env.invalidate_all()

    @classmethod
    def order(cls, vendor, qty, price, dist, created, approved):
        po = cls.env["purchase.order"].create({
            "partner_id": vendor.id,
            "order_line": [Command.create({"product_id": cls.ordered.id, "product_qty": qty, "price_unit": price,
                                           "analytic_distribution": dist, "taxes_id": [Command.clear()]})]})
        po.button_confirm()
        cls.env.flush_all()
        cls.env.cr.execute(SQL("UPDATE purchase_order SET create_date = %s, date_approve = %s WHERE id = %s",
                               created, approved, po.id))
        po.invalidate_recordset()
        return po

    @classmethod
    def receive(cls, po, qty, when):
        picking = po.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        picking.move_ids.quantity = qty
        picking.move_ids.picked = True
        picking.with_context(cancel_backorder=False)._action_done()
        moves = picking.move_ids.filtered(lambda m: m.state == "done")
        cls.date_moves(moves, when)
        return moves

    @classmethod
    def move(cls, qty, src, dst, when):
        move = cls.env["stock.move"].create({
            "name": "exec test", "product_id": cls.stocked.id, "product_uom_qty": qty,
            "product_uom": cls.stocked.uom_id.id, "location_id": src.id, "location_dest_id": dst.id})
        move._action_confirm()
        move.quantity = qty
        move.picked = True
        move._action_done()
        cls.date_moves(move, when)
        return move

    @classmethod
    def date_moves(cls, moves, when):
        cls.env.flush_all()
        cls.env.cr.execute(SQL("UPDATE stock_move SET date = %s WHERE id IN %s", when, tuple(moves.ids)))
        cls.env.cr.execute(SQL("UPDATE stock_move_line SET date = %s WHERE move_id IN %s", when, tuple(moves.ids)))
        moves.invalidate_recordset()

    @classmethod
    def discount_bill(cls, vendor, amount, day, paid=None):
        env = cls.env
        bill = env["account.move"].create({
            "move_type": "in_invoice", "partner_id": vendor.id, "invoice_date": day,
            "invoice_payment_term_id": cls.term.id,
            "invoice_line_ids": [Command.create({"name": "service", "quantity": 1, "price_unit": amount,
                                                 "tax_ids": [Command.clear()]})]})
        bill.action_post()
        if paid:
            if bill.medsync_no_po_pending:
                bill.with_user(cls.users["ap_manager"]).action_medsync_approve_no_po()
            env["account.payment.register"].with_context(active_model="account.move", active_ids=bill.ids).create(
                {"payment_date": paid})._create_payments()
        return bill

    def refresh(self, *codes):
        self.Fact._refresh(self.company, days=[self.A, self.B], kpis=list(codes))

    def records(self, code, day, key=None, user=None):
        """The records the figure (or one breakdown row) of ``day`` opens."""
        env = self.env(user=user) if user else self.env
        action = env["medsync.kpi.fact"]._kpi_action(registry.KPIS[code], self.company, day, key)
        return env[action["res_model"]].search(action["domain"])

    @staticmethod
    def opened(facts, action):
        """The act_window a click on ``action`` opens (asked from the server when the dashboard gave it lazily)."""
        if action and action.get("lazy"):
            return facts.kpi_action("executive", action["code"], action["date"], action["key"])
        return action

    def assertFact(self, code, day, expected):
        """``expected``: {(dimension, key): (value, count)} of the facts of ``code`` on ``day``, exactly."""
        facts = fact_rows(self.env, self.company, code, day)
        self.assertEqual(set(facts), set(expected), f"{code} {day}: the rows")
        for row, (value, count) in expected.items():
            got_value, _amount, got_count = facts[row]
            self.assertAlmostEqual(got_value, value, places=4, msg=f"{code} {day} {row}")
            self.assertEqual(got_count, count, f"{code} {day} {row}: count")

    # ------------------------------------------------------------------ the facts, month by month

    def test_purchase_cycle_time_and_spend(self):
        self.refresh("exec_po_cycle_time", "exec_spend")
        A, B = self.A, self.B
        # March: line 1 first received 4 days after its order, line 2 after 8 (half A, half B)
        self.assertFact("exec_po_cycle_time", A, {("", ""): (6.0, 2), ("department", "TXA"): (16 / 3, 2),
                                                  ("department", "TXB"): (8.0, 1)})
        # April: line 3 after 3 days; line 1's second receipt is not its first
        self.assertFact("exec_po_cycle_time", B, {("", ""): (3.0, 1), ("department", "TXB"): (3.0, 1)})
        lines = self.po1.order_line | self.po2.order_line
        self.assertEqual(self.records("exec_po_cycle_time", A), lines)
        self.assertEqual(self.records("exec_po_cycle_time", A, "TXB"), self.po2.order_line)
        self.assertEqual(self.records("exec_po_cycle_time", B), self.po3.order_line)
        # spend: March 6 x 5 (A) and 4 x 20 (half each); April 4 x 5 (A) and 100 (B)
        self.assertFact("exec_spend", A, {("", ""): (110.0, 2), ("department", "TXA"): (70.0, 2),
                                          ("department", "TXB"): (40.0, 1)})
        self.assertFact("exec_spend", B, {("", ""): (120.0, 2), ("department", "TXA"): (20.0, 1),
                                          ("department", "TXB"): (100.0, 1)})
        self.assertEqual(self.records("exec_spend", A), self.r1 | self.r2)
        self.assertEqual(self.records("exec_spend", B, "TXB"), self.r3)
        self.assertEqual(self.records("exec_spend", B, "TXA"), self.r1b)

    def test_acknowledgement_latency(self):
        self.refresh("exec_ack_latency")
        v1, v2 = str(self.vendor1.id), str(self.vendor2.id)
        self.assertFact("exec_ack_latency", self.A, {("", ""): (75.0, 2), ("vendor", v1): (120.0, 1),
                                                     ("vendor", v2): (30.0, 1)})
        self.assertFact("exec_ack_latency", self.B, {("", ""): (1440.0, 1), ("vendor", v1): (1440.0, 1)})
        self.assertEqual(self.records("exec_ack_latency", self.A), self.po1 | self.po2)
        self.assertEqual(self.records("exec_ack_latency", self.A, v2), self.po2)
        self.assertEqual(self.records("exec_ack_latency", self.B), self.po3)

    def test_first_pass_rate(self):
        self.refresh("exec_first_pass")
        first_a = self.results.filtered(lambda r: r.status in ("matched", "missing_receipt"))
        # March: line 1 passed (A), line 2 did not (its PO line's half A, half B)
        self.assertFact("exec_first_pass", self.A, {("", ""): (50.0, 2), ("department", "TXA"): (200 / 3, 2),
                                                    ("department", "TXB"): (0.0, 1)})
        self.assertFact("exec_first_pass", self.B, {("", ""): (100.0, 1), ("department", "TXB"): (100.0, 1)})
        self.assertEqual(self.records("exec_first_pass", self.A), first_a)
        self.assertEqual(self.records("exec_first_pass", self.A, "TXB").status, "missing_receipt")

    def test_discounts_taken_and_lost(self):
        self.refresh("exec_discounts_taken", "exec_discounts_lost")
        self.assertEqual(self.d1.payment_state in ("paid", "in_payment"), True, "D1 is paid")
        v1, v2 = str(self.vendor1.id), str(self.vendor2.id)
        self.assertFact("exec_discounts_taken", self.A, {("", ""): (20.0, 1), ("vendor", v1): (20.0, 1)})
        self.assertFact("exec_discounts_lost", self.A, {("", ""): (10.0, 1), ("vendor", v2): (10.0, 1)})
        self.assertFact("exec_discounts_taken", self.B, {("", ""): (0.0, 0)})
        self.assertFact("exec_discounts_lost", self.B, {("", ""): (6.0, 1), ("vendor", v1): (6.0, 1)})
        self.assertEqual(self.records("exec_discounts_taken", self.A), self.d1)
        self.assertEqual(self.records("exec_discounts_lost", self.A), self.d2)
        self.assertEqual(self.records("exec_discounts_lost", self.B, v1), self.d3)

    def test_inventory_turns_and_stockouts(self):
        self.refresh("exec_inventory_turns", "exec_stockouts")
        # March: A held 100 at the start and 0 at the end, 40 consumed: 12 x 40 / 50; B held nothing at either end
        # (no figure), 60 consumed; the company: 12 x 100 / 50. The warehouse (no department) only received
        # drapes valued at 0
        self.assertFact("exec_inventory_turns", self.A, {("", ""): (24.0, 2), ("department", "TXA"): (9.6, 1),
                                                         ("department", "TXB"): (0.0, 1), ("department", ""): (0.0, 0)})
        # April: A from 0 to 30, 20 consumed: 12 x 20 / 15
        self.assertFact("exec_inventory_turns", self.B, {("", ""): (16.0, 1), ("department", "TXA"): (16.0, 1),
                                                         ("department", "TXB"): (0.0, 0), ("department", ""): (0.0, 0)})
        self.assertEqual(self.records("exec_inventory_turns", self.A), self.m_use_a | self.m_use_b)
        self.assertEqual(self.records("exec_inventory_turns", self.A, "TXA"), self.m_use_a)
        self.assertEqual(self.records("exec_inventory_turns", self.B), self.m_use_a2)
        # stock-outs: A emptied by the move to B, B by its consumption; none in April
        self.assertFact("exec_stockouts", self.A, {("", ""): (2.0, 2), ("department", "TXA"): (1.0, 1),
                                                   ("department", "TXB"): (1.0, 1)})
        self.assertFact("exec_stockouts", self.B, {("", ""): (0.0, 0)})
        self.assertEqual(self.records("exec_stockouts", self.A), self.m_a_to_b | self.m_use_b)
        self.assertEqual(self.records("exec_stockouts", self.A, "TXB"), self.m_use_b)
        self.assertFalse(self.records("exec_stockouts", self.B))

    def test_billing_cycle_time(self):
        self.refresh("exec_billing_cycle")
        self.assertFact("exec_billing_cycle", self.A, {("", ""): (3.0, 3), ("department", "TXA"): (4.0, 1),
                                                       ("department", "TXB"): (2.0, 1), ("department", ""): (3.0, 1)})
        self.assertFact("exec_billing_cycle", self.B, {("", ""): (2.0, 1), ("department", "TXA"): (2.0, 1)})
        self.assertEqual(self.records("exec_billing_cycle", self.A), self.billing_lines["EXEC-1"])
        self.assertEqual(self.records("exec_billing_cycle", self.B, "TXA"), self.billing_lines["EXEC-2"])

    def test_snapshots_value_on_hold_and_exception_aging(self):
        team1 = self.env["medsync.team"].create({"name": "Exec team one"})
        team2 = self.env["medsync.team"].create({"name": "Exec team two"})
        open_ = self.raise_exception(owner_team_id=team1.id) | self.raise_exception(owner_team_id=team1.id) \
            | self.raise_exception(owner_team_id=team2.id)
        closed = self.raise_exception(owner_team_id=team2.id)
        guard.privileged(closed).write({"state": "resolved"})
        self.env.flush_all()
        for exc, days in zip(open_ | closed, (2, 4, 1, 9), strict=True):
            self.env.cr.execute(SQL("""UPDATE medsync_exception SET create_date = (NOW() AT TIME ZONE 'UTC')
                                       - %s * interval '1 day' WHERE id = %s""", days, exc.id))
        self.env.invalidate_all()
        held = self.env["account.move"].create({
            "move_type": "in_invoice", "partner_id": self.vendor2.id, "invoice_date": fields.Date.today(),
            "invoice_line_ids": [Command.create({"name": "x", "quantity": 1, "price_unit": 300.0,
                                                 "tax_ids": [Command.clear()]})]})
        guard.privileged(held).write({"medsync_match_state": "hold"})
        month = fields.Date.today().replace(day=1)
        past = registry.trend_dates(registry.KPIS["exec_on_hold"], fields.Date.today())[-2]
        # what the last refresh of last month stored stays
        self.env.cr.execute(SQL(
            """INSERT INTO medsync_kpi_fact (company_id, kpi, date, dimension, dim_key, value, amount, count)
               VALUES (%s, 'exec_exception_aging', %s, '', '', 5, 0, 3)""", self.company.id, past))
        self.Fact._refresh(self.company, days=[past, fields.Date.today()],
                           kpis=["exec_on_hold", "exec_exception_aging"])
        self.assertEqual(fact_rows(self.env, self.company, "exec_exception_aging", past), {("", ""): (5.0, 0.0, 3)})
        facts = fact_rows(self.env, self.company, "exec_exception_aging", month)
        self.assertAlmostEqual(facts[("team", str(team1.id))][0], 3.0, places=4)
        self.assertEqual(facts[("team", str(team1.id))][2], 2)
        self.assertAlmostEqual(facts[("team", str(team2.id))][0], 1.0, places=4)
        Exc = self.env["medsync.exception"]
        everything = self.records("exec_exception_aging", month)
        self.assertEqual(facts[("", "")][2], len(everything))
        # ages at the transaction's instant, as the SQL computes them (age_days is at the wall clock's)
        now = self.env.cr.now()
        self.assertAlmostEqual(facts[("", "")][0], sum((now - e.create_date).total_seconds() / 86400.0
                                                       for e in everything) / len(everything), delta=0.001)
        self.assertEqual(self.records("exec_exception_aging", month, str(team2.id)), open_[2])
        self.assertNotIn(closed, Exc.search([("id", "in", everything.ids)]))
        facts = fact_rows(self.env, self.company, "exec_on_hold", month)
        self.assertAlmostEqual(facts[("vendor", str(self.vendor2.id))][1], 300.0, places=2)
        self.assertEqual(self.records("exec_on_hold", month, str(self.vendor2.id)), held)

    # ------------------------------------------------------------------ the dashboard by month and department

    def dashboard_facts(self):
        """Facts of the last two months, as the hourly refresh stores them."""
        today = fields.Date.today()
        self.m1, self.m0 = registry.trend_dates(registry.KPIS["exec_spend"], today)[-2:]
        rows = [("exec_spend", self.m0, "", "", None, 300.0, 3), ("exec_spend", self.m0, "department", "TXA",
                                                                  "Test theatres", 200.0, 2),
                ("exec_spend", self.m0, "department", "TXB", "Test wards", 100.0, 1),
                ("exec_spend", self.m1, "", "", None, 70.0, 2), ("exec_spend", self.m1, "department", "TXA",
                                                                 "Test theatres", 70.0, 2),
                ("exec_ack_latency", self.m1, "", "", None, 90.0, 2),
                ("exec_ack_latency", self.m1, "vendor", str(self.vendor1.id), "Exec vendor one", 90.0, 2)]
        self.Fact.sudo().search([("kpi", "like", "exec_")]).unlink()
        for kpi, day, dim, key, label, value, count in rows:
            self.env.cr.execute(SQL(
                """INSERT INTO medsync_kpi_fact (company_id, kpi, date, dimension, dim_key, dim_label, value, amount,
                                                 count, refreshed_at)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, NOW() AT TIME ZONE 'UTC')""",
                self.company.id, kpi, day, dim, key, label, value, value, count))
        self.Fact.invalidate_model()

    def test_dashboard_month_and_department(self):
        executive = new_test_user(self.env, login="ms_exec", groups="base.group_user,medsync.group_medsync_executive")
        self.dashboard_facts()
        Fact = self.Fact.with_user(executive)
        data = Fact.dashboard_data("executive")
        self.assertEqual(data["title"], "Executive")
        self.assertEqual(data["month"], fields.Date.to_string(self.m0), "the latest month by default")
        self.assertEqual(data["months"][-1], fields.Date.to_string(self.m0))
        self.assertEqual(len(data["months"]), registry.TREND_MONTHS)
        self.assertEqual([d["key"] for d in data["departments"]], ["TXA", "TXB"])
        spend = next(k for k in data["kpis"] if k["code"] == "exec_spend")
        self.assertEqual((spend["value"], spend["count"], len(spend["breakdown"])), (300.0, 3, 2))
        self.assertIsNone(data["department"])

        # a past month: its figure, its breakdown, its records
        data = Fact.dashboard_data("executive", month=fields.Date.to_string(self.m1 + dt.timedelta(days=9)))
        self.assertEqual(data["month"], fields.Date.to_string(self.m1))
        spend = next(k for k in data["kpis"] if k["code"] == "exec_spend")
        self.assertEqual((spend["date"], spend["value"]), (fields.Date.to_string(self.m1), 70.0))
        self.assertEqual([r["key"] for r in spend["breakdown"]], ["TXA"])
        ack = next(k for k in data["kpis"] if k["code"] == "exec_ack_latency")
        self.assertEqual(ack["value"], 90.0)
        self.assertEqual(ack["breakdown"][0]["label"], "Exec vendor one")
        self.assertEqual(self.opened(Fact, ack["action"])["res_model"], "purchase.order")

        # one department: its figures and trend, no breakdown; the vendor figure keeps its total and breakdown
        data = Fact.dashboard_data("executive", department="TXB")
        spend = next(k for k in data["kpis"] if k["code"] == "exec_spend")
        self.assertTrue(spend["narrowed"])
        self.assertEqual((spend["value"], spend["count"], spend["breakdown"]), (100.0, 1, []))
        trend = {p["date"]: p["value"] for p in spend["trend"]}
        self.assertEqual(trend[fields.Date.to_string(self.m0)], 100.0)
        self.assertIsNone(trend[fields.Date.to_string(self.m1)], "TXB had no spend that month")
        ack = next(k for k in data["kpis"] if k["code"] == "exec_ack_latency")
        self.assertFalse(ack["narrowed"])
        self.assertEqual(data["department"], "TXB")
        data = Fact.dashboard_data("executive", month=fields.Date.to_string(self.m1), department="TXA")
        spend = next(k for k in data["kpis"] if k["code"] == "exec_spend")
        self.assertEqual(spend["value"], 70.0)
        cycle = next(k for k in data["kpis"] if k["code"] == "exec_po_cycle_time")
        self.assertIsNone(cycle["value"], "no figure: a duration over nothing")

        # the records behind a figure of the known history: of that month and department
        self.Fact._refresh(self.company, days=[self.A], kpis=["exec_spend"])
        action = Fact.kpi_action("executive", "exec_spend", fields.Date.to_string(self.A), "TXB")
        self.assertEqual(self.env["stock.move"].search(action["domain"]), self.r2)
        action = Fact.kpi_action("executive", "exec_spend", fields.Date.to_string(self.A))
        self.assertEqual(self.env["stock.move"].search(action["domain"]), self.r1 | self.r2)

        # the other dashboards still work without the new parameters (the scorecard by vendor)
        self.assertTrue(Fact.dashboard_data("scorecard", vendor_id=self.vendor1.id)["kpis"])
        with self.assertRaises(UserError):
            Fact.dashboard_data("executive", month="not a month")
        with self.assertRaises(UserError):
            Fact.dashboard_data("executive", month=fields.Date.to_string(fields.Date.today() + dt.timedelta(days=40)))
        with self.assertRaises(UserError):
            Fact.kpi_action("executive", "ap_on_hold", fields.Date.to_string(self.m0))

    def test_who_sees_the_executive_dashboard(self):
        executive = new_test_user(self.env, login="ms_exec2", groups="base.group_user,medsync.group_medsync_executive",
                                  email=False)
        self.assertFalse(executive.email)
        menu = self.env.ref("medsync.medsync_dashboard_menu_executive")
        Menu = self.env["ir.ui.menu"]
        self.assertIn(menu.id, Menu.with_user(executive)._visible_menu_ids())
        for user in (self.users["reader"], self.users["buyer"], self.outsider):
            self.assertNotIn(menu.id, Menu.with_user(user)._visible_menu_ids(), user.login)
        self.Fact._refresh(self.company, days=[self.A])
        # the executive opens every figure's records, read only
        data = self.Fact.with_user(executive).dashboard_data("executive", month=fields.Date.to_string(self.A))
        self.assertTrue(all(k["action"] for k in data["kpis"]), [k["code"] for k in data["kpis"] if not k["action"]])
        as_exec = self.Fact.with_user(executive)
        spend = next(k for k in data["kpis"] if k["code"] == "exec_spend")
        moves = self.env(user=executive)["stock.move"].search(self.opened(as_exec, spend["action"])["domain"])
        self.assertEqual(moves, self.r1 | self.r2)
        # each row opens its own records, found when clicked (a page view reads only the stored facts)
        self.assertTrue(all(r["action"]["lazy"] for r in spend["breakdown"]))
        rows = {r["key"]: self.env["stock.move"].search(self.opened(as_exec, r["action"])["domain"])
                for r in spend["breakdown"]}
        self.assertEqual(rows, {"TXA": self.r1 | self.r2, "TXB": self.r2})
        with self.assertRaises(AccessError):
            moves.with_user(executive).write({"name": "changed"})
        # a MedSync reader does not read the executive overview at all: not its figures, not its records
        reader = self.Fact.with_user(self.users["reader"])
        for call in (lambda: reader.dashboard_data("executive", month=fields.Date.to_string(self.A)),
                     lambda: reader.kpi_action("executive", "exec_exception_aging", fields.Date.to_string(self.A))):
            with self.assertRaises(AccessError):
                call()
        self.assertFalse(reader.search_read([("role", "=", "executive")], ["kpi", "value"]))
        self.assertTrue(self.Fact.search_count([("role", "=", "executive")]))
        # someone without a MedSync role gets nothing
        with self.assertRaises(AccessError):
            self.Fact.with_user(self.outsider).dashboard_data("executive")
        with self.assertRaises(AccessError):
            self.Fact.with_user(self.outsider).kpi_action("executive", "exec_spend", fields.Date.to_string(self.A))

    def test_crafted_arguments_get_a_clear_error(self):
        executive = new_test_user(self.env, login="ms_exec3", groups="base.group_user,medsync.group_medsync_executive",
                                  email=False)
        Fact = self.Fact.with_user(executive)
        for args, kwargs in ((["executive", "exec_spend", None], {}), (["ap", "ap_on_hold", "2026-13-45"], {}),
                             (["ap", "ap_on_hold", [1]], {}), (["executive", "exec_spend", "0001-01-01"], {}),
                             (["ap", ["ap_on_hold"], "2026-12-01"], {}), (["ap", {"a": 1}, "2026-12-01"], {})):
            with self.assertRaises(UserError, msg=str(args)):
                Fact.kpi_action(*args, **kwargs)
        for kwargs in ({"vendor_id": "abc"}, {"vendor_id": [1]}, {"vendor_id": self.env.company.partner_id.id}):
            with self.assertRaises(UserError, msg=str(kwargs)):
                Fact.dashboard_data("scorecard", **kwargs)
        with self.assertRaises(UserError):
            Fact.dashboard_data(["executive"])
        with self.assertRaisesRegex(UserError, "no figures by vendor"):
            Fact.dashboard_data("executive", vendor_id=self.vendor1.id)
        # a department no figure breaks down to is a typo, not a dashboard of "—"
        self.Fact._refresh(self.company, days=[self.A])
        with self.assertRaisesRegex(UserError, "No figures for the department NOPE"):
            Fact.dashboard_data("executive", month=fields.Date.to_string(self.A), department="NOPE")
        data = Fact.dashboard_data("executive", month=fields.Date.to_string(self.A), department="TXA")
        self.assertEqual(next(k for k in data["kpis"] if k["code"] == "exec_spend")["value"], 70.0)

    def test_a_figure_over_nothing_opens_an_empty_list(self):
        # no discount taken in month B of the known history: no records, and the list must not show sample data
        action = self.Fact.kpi_action("executive", "exec_discounts_taken", fields.Date.to_string(self.B))
        self.assertFalse(self.env[action["res_model"]].search(action["domain"]))
        self.assertIs(action["useSampleModel"], False)
