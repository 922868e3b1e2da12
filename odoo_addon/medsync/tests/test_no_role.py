"""Users without a MedSync role work on every screen MedSync extends (issue 14).

Plain Odoo users (only Purchase, only Inventory, only Invoicing; some without
an e-mail address) open and save bills, orders, receipts, partners, products
and locations, through ``Form`` and through the web client's own calls
(``get_views`` then ``web_read`` / ``onchange`` on ``/web/dataset/call_kw``).
The duplicate tax-id and bank-account stops apply between vendors only, and no
context key turns them off."""

from contextlib import contextmanager

from lxml import etree

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, TransactionCase, new_test_user, tagged

from ..services import guard, matching

# login (also the password): groups. The first has an e-mail address, the others none.
PLAIN = {
    "np_purchase": "purchase.group_purchase_user",
    "np_stocker": "stock.group_stock_user",
    "np_invoicer": "account.group_account_invoice",
}


def _plain_users(env):
    return {
        login: new_test_user(env, login=login, password=login, groups=f"base.group_user,{group}",
                             **({} if login == "np_purchase" else {"email": False}))
        for login, group in PLAIN.items()
    }


class NoRoleFixture:
    """A vendor, a product, a confirmed order with its receipt, a bill of that
    order and a bill on a MedSync hold (with match results)."""

    @classmethod
    def _setup_fixture(cls):
        env = cls.env
        # Odoo's own flows for users without a role, as on a live install; matching every bill before payment
        # (on in the demo company) is tested in test_controls
        env.company.medsync_match_before_payment = False
        cls.plain = _plain_users(env)
        cls.purchaser, cls.stocker, cls.invoicer = (cls.plain[k] for k in PLAIN)
        for user in cls.plain.values():
            if user.login != "np_purchase":
                assert not user.email, "these users have no e-mail address"
            assert not user.groups_id.filtered(lambda g: g.get_external_id()[g.id].startswith("medsync."))
        cls.vendor = env["res.partner"].create({"name": "Plain Vendor Ltd", "is_company": True, "supplier_rank": 1,
                                                "vat": "PV-0001"})
        cls.product = env["product.product"].create({
            "name": "Suture kit (no role)", "is_storable": True, "type": "consu", "standard_price": 10,
            "purchase_method": "purchase", "seller_ids": [Command.create({"partner_id": cls.vendor.id, "price": 9})],
        })
        cls.po = env["purchase.order"].create({
            "partner_id": cls.vendor.id,
            "order_line": [Command.create({"product_id": cls.product.id, "product_qty": 5, "price_unit": 9})],
        })
        cls.po.button_confirm()
        cls.receipt = cls.po.picking_ids
        cls.po.action_create_invoice()
        cls.po_bill = cls.po.invoice_ids
        cls.po_bill.invoice_date = fields.Date.today()
        # a bill without an order: matching puts it on hold, with results
        cls.held = env["account.move"].create({
            "move_type": "in_invoice", "partner_id": cls.vendor.id, "invoice_date": fields.Date.today(),
            "invoice_line_ids": [Command.create({"product_id": cls.product.id, "quantity": 2, "price_unit": 9})],
        })
        matching.match_moves(cls.held | cls.po_bill, trigger="button")
        cls.location = env.ref("stock.warehouse0").lot_stock_id


@tagged("post_install", "-at_install")
class TestNoRole(NoRoleFixture, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_fixture()

    def test_fixture(self):
        self.assertEqual(self.held.medsync_match_state, "hold")
        self.assertTrue(self.held.medsync_match_result_ids)
        self.assertNotEqual(self.po_bill.medsync_match_state, "none")

    def test_invoicing_user_bills(self):
        inv = self.invoicer
        # the held bill: opens (no Match tab for them), saves, and still cannot be paid
        with Form(self.held.with_user(inv)) as form:
            self.assertEqual(form.medsync_match_state, "hold", "the hold banner is shown to every bill user")
            self.assertNotIn("medsync_match_result_ids", form._view["fields"])
            form.ref = "INV-HELD-1"
        self.assertEqual(self.held.ref, "INV-HELD-1")
        with self.assertRaisesRegex(UserError, "MedSync payment hold"):
            self.held.with_user(inv).action_register_payment()
        with Form(self.po_bill.with_user(inv)) as form:
            form.ref = "INV-PO-1"
        # a new bill, posted and paid by the same user
        form = Form(self.env["account.move"].with_user(inv).with_context(default_move_type="in_invoice"))
        form.partner_id = self.vendor
        form.invoice_date = fields.Date.today()
        with form.invoice_line_ids.new() as line:
            line.product_id = self.product
            line.quantity = 1
            line.price_unit = 9
        bill = form.save()
        bill.action_post()
        pay = Form(self.env["account.payment.register"].with_user(inv).with_context(
            active_model="account.move", active_ids=bill.ids))
        pay.save().action_create_payments()
        self.assertIn(bill.payment_state, ("paid", "in_payment"))

    def test_invoicing_user_posts_matched_bills(self):
        """Posting a bill MedSync matched before re-matches it: for the poster
        too, whatever their role."""
        inv = self.invoicer
        self.po_bill.with_user(inv).action_post()
        self.assertEqual(self.po_bill.state, "posted")
        refund = self.po_bill.with_user(inv)._reverse_moves([{"ref": "refund", "invoice_date": fields.Date.today()}])
        refund.action_post()  # a credit note re-checks the bills of its order
        self.held.with_user(inv).action_post()
        self.assertEqual(self.held.medsync_match_state, "hold")

    def test_purchase_user_orders(self):
        pu = self.purchaser
        form = Form(self.env["purchase.order"].with_user(pu))
        form.partner_id = self.vendor
        with form.order_line.new() as line:
            line.product_id = self.product
            line.product_qty = 3
        po = form.save()
        po.button_confirm()
        self.assertEqual(po.state, "purchase")
        with Form(po) as form:
            with form.order_line.edit(0) as line:
                line.product_qty = 4
        with Form(self.po.with_user(pu)) as form:
            form.partner_ref = "VENDOR-REF-1"
        self.assertEqual(self.po.partner_ref, "VENDOR-REF-1")
        # a billed line's price is read-only in the form; written, it re-checks the order's bills
        self.po.order_line.with_user(pu).write({"price_unit": 8.5})
        # products and their vendor prices, as far as Odoo lets a buyer
        Form(self.product.product_tmpl_id.with_user(pu)).save()
        Form(self.vendor.with_user(pu)).save()
        # a purchase manager (no MedSync role, no e-mail) changes a vendor price: it
        # re-checks that vendor's matched bills
        manager = new_test_user(self.env, login="np_po_manager", email=False,
                                groups="base.group_user,purchase.group_purchase_manager")
        with Form(self.product.product_tmpl_id.with_user(manager)) as form:
            with form.seller_ids.edit(0) as seller:
                seller.price = 8.75
        self.assertEqual(self.product.seller_ids.price, 8.75)

    def test_stock_user_receipts_and_locations(self):
        su = self.stocker
        receipt = self.receipt.with_user(su)
        with Form(receipt) as form:
            form.origin = "ASN 77"
        for move in receipt.move_ids:
            move.quantity = move.product_uom_qty
        receipt.button_validate()
        self.assertEqual(receipt.state, "done")
        with Form(self.location.with_user(su)) as form:
            form.comment = "checked by a plain stock user"
        Form(self.product.product_tmpl_id.with_user(su)).save()
        Form(self.vendor.with_user(su)).save()
        quants = self.env["stock.quant"].with_user(su).search([("product_id", "=", self.product.id),
                                                               ("location_id", "=", self.location.id)])
        self.assertEqual(sum(quants.mapped("quantity")), 5)

    def test_partners_for_contact_creators_without_role(self):
        """Odoo's default internal user may create contacts: customers, vendors
        and their bank accounts, from their screens."""
        user = self.invoicer
        user.groups_id |= self.env.ref("base.group_partner_manager")
        Partner = self.env["res.partner"].with_user(user)
        form = Form(Partner.with_context(res_partner_search_mode="customer"))
        form.name = "Plain Customer"
        form.vat = "PV-0001"  # a customer may share a vendor's tax id
        customer = form.save()
        self.assertEqual(customer.customer_rank, 1)
        form = Form(Partner.with_context(res_partner_search_mode="supplier"))
        form.name = "Another Vendor"
        form.company_type = "company"
        form.vat = "PV-0002"
        vendor = form.save()
        self.assertEqual(vendor.supplier_rank, 1)
        with Form(vendor) as form:
            form.phone = "+1 555 0100"
        self.assertFalse(vendor.medsync_duplicate_warning, "no MedSync role: no duplicate scoring either")
        with self.assertRaisesRegex(UserError, "MEDSYNC_DUPLICATE_TAX_ID"):
            Partner.with_context(res_partner_search_mode="supplier").create(
                {"name": "Copy Vendor", "is_company": True, "vat": "pv 0001"})


@tagged("post_install", "-at_install")
class TestNoRoleWebClient(NoRoleFixture, HttpCase):
    """The calls the web client makes to open a form, as each plain user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_fixture()

    def _call(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request("/web/dataset/call_kw", {
            "model": model, "method": method, "args": list(args),
            "kwargs": {"context": {"lang": "en_US"}, **kwargs},
        })

    @staticmethod
    def _spec(node, model, models):
        """The ``web_read`` specification the web client builds from a view's
        arch: the fields of ``node`` (not those of its x2many sub-views), a
        many2one with its name, an x2many with the fields of its sub-view."""
        spec = {}
        for field in node.iter("field"):
            owner = next(field.iterancestors("field"), None)
            if owner is not (node if node.tag == "field" else None):
                continue
            info = models[model]["fields"].get(field.get("name"))
            if not info:
                continue
            if info["type"] == "many2one":
                spec[info["name"]] = {"fields": {"display_name": {}}}
            elif info["type"] in ("one2many", "many2many"):
                spec[info["name"]] = {"fields": TestNoRoleWebClient._spec(field, info["relation"], models)}
            else:
                spec[info["name"]] = {}
        return spec

    def _open_form(self, model, record=None, context=None, role=False):
        """get_views, then web_read of the record and onchange of a new one,
        with the fields of the form as this user gets it."""
        context = {"lang": "en_US", **(context or {})}
        views = self._call(model, "get_views", views=[[False, "list"], [False, "form"], [False, "search"]],
                           options={"toolbar": True, "load_filters": True}, context=context)
        arch = etree.fromstring(views["views"]["form"]["arch"])
        spec = self._spec(arch, model, views["models"])
        mine = [name for name in spec if name.startswith("medsync_")
                and views["models"][model]["fields"][name].get("relation", "").startswith("medsync.")]
        if not role:
            self.assertFalse(mine, f"{model}: MedSync records in a form for a user without a MedSync role")
        values = self._call(model, "web_read", record.ids, specification=spec, context=context)
        self.assertEqual(values[0]["id"], record.id)
        result = self._call(model, "onchange", [], {}, [], spec, context=context)
        self.assertIn("value", result)
        return spec, values[0]

    def test_forms_through_call_kw(self):
        screens = {
            "np_invoicer": [("account.move", self.held, {"default_move_type": "in_invoice"}),
                            ("account.move", self.po_bill, {"default_move_type": "in_invoice"}),
                            ("res.partner", self.vendor, {"res_partner_search_mode": "supplier"})],
            "np_purchase": [("purchase.order", self.po, {}), ("res.partner", self.vendor, {}),
                            ("product.template", self.product.product_tmpl_id, {})],
            "np_stocker": [("stock.picking", self.receipt, {}), ("stock.location", self.location, {}),
                           ("product.template", self.product.product_tmpl_id, {}),
                           ("res.partner", self.vendor, {})],
        }
        for login, forms in screens.items():
            self.authenticate(login, login)
            for model, record, context in forms:
                with self.subTest(login=login, model=model):
                    spec, _values = self._open_form(model, record, context)
                    if model == "account.move":
                        self.assertIn("medsync_match_state", spec, "the hold banner's field")
                        self.assertNotIn("medsync_match_result_ids", spec)
                    if model == "purchase.order":
                        self.assertNotIn("medsync_message_count", spec)
                        self.assertNotIn("medsync_ack_state", spec)
                    if model == "stock.location":
                        self.assertNotIn("medsync_responsible_id", spec)
        # a MedSync reader sees what its role adds, on the same screens
        new_test_user(self.env, login="ms_reader_x", password="ms_reader_x",
                      groups="base.group_user,account.group_account_invoice,medsync.group_medsync_user")
        self.authenticate("ms_reader_x", "ms_reader_x")
        spec, values = self._open_form("account.move", self.held, {"default_move_type": "in_invoice"}, role=True)
        self.assertIn("status", spec["medsync_match_result_ids"]["fields"])
        self.assertTrue(values["medsync_match_result_ids"])


@tagged("post_install", "-at_install")
class TestDuplicateStopsVendorsOnly(TransactionCase):
    """The tax-id and bank-account stops compare vendors with vendors; the
    companies' own partners, staff and customers are never refused."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.medsync_dedupe_block = True
        cls.Partner = cls.env["res.partner"]
        cls.Bank = cls.env["res.partner.bank"]
        cls.Vendors = cls.Partner.with_context(res_partner_search_mode="supplier")
        cls.vendor = cls.Vendors.create({"name": "Stop Vendor Inc.", "is_company": True, "vat": "US-99-1234567"})
        cls.vendor_bank = cls.Bank.create({"partner_id": cls.vendor.id, "acc_number": "GB33BUKB20201555555555"})
        cls.company_bank = cls.Bank.create({"partner_id": cls.env.company.partner_id.id,
                                            "acc_number": "NL91ABNA0417164300"})
        cls.steward = new_test_user(cls.env, login="stop_steward",
                                    groups="base.group_user,medsync.group_medsync_steward")

    @contextmanager
    def _refused(self, code):
        """The stop ``code`` refuses what the block does; nothing of it stays."""
        with self.assertRaisesRegex(UserError, code), self.env.cr.savepoint():
            yield

    def test_customers_share_numbers_freely(self):
        customer = self.Partner.with_context(res_partner_search_mode="customer").create(
            {"name": "A Customer", "is_company": True, "vat": "us 99 1234567"})
        self.Bank.create({"partner_id": customer.id, "acc_number": "NL91 ABNA 0417 1643 00"})  # the company's
        self.Bank.create({"partner_id": customer.id, "acc_number": "GB33BUKB20201555555555"})  # a vendor's
        plain = self.Partner.create({"name": "No rank at all", "vat": "US991234567"})
        self.Bank.create({"partner_id": plain.id, "acc_number": "GB33 BUKB 2020 1555 5555 55"})

    def test_company_and_staff_are_not_vendors(self):
        # the company may be ranked as a supplier (inter-company bills): still not a vendor here
        self.env.company.partner_id.supplier_rank = 1
        vendor = self.Vendors.create({"name": "Shares the company's bank", "is_company": True})
        self.Bank.create({"partner_id": vendor.id, "acc_number": "NL91ABNA0417164300"})
        self.Bank.create({"partner_id": self.env.company.partner_id.id, "acc_number": "GB33BUKB20201555555555"})
        # an employee reimbursed through vendor bills is ranked too
        staff = new_test_user(self.env, login="stop_staff", groups="base.group_user")
        staff.partner_id.write({"supplier_rank": 1, "vat": "US-99-1234567"})
        self.Bank.create({"partner_id": staff.partner_id.id, "acc_number": "GB33BUKB20201555555555"})

    def test_vendor_against_vendor_is_refused(self):
        with self._refused("MEDSYNC_DUPLICATE_TAX_ID"):
            self.Vendors.create({"name": "Copy", "is_company": True, "vat": "us991234567"})
        other = self.Vendors.create({"name": "Other Vendor", "is_company": True})
        with self._refused("MEDSYNC_DUPLICATE_BANK.*Stop Vendor"):
            self.Bank.create({"partner_id": other.id, "acc_number": "gb33 bukb 2020 1555 5555 55"})
        # a customer made a vendor: checked when ranked through a write
        customer = self.Partner.create({"name": "Later Vendor", "is_company": True, "vat": "US 99 1234567"})
        with self._refused("MEDSYNC_DUPLICATE_TAX_ID"):
            customer.supplier_rank = 1
        # a partner that has a purchase order is a vendor, whatever its rank
        ordered = self.Partner.create({"name": "Ordered From", "is_company": True})
        self.env["purchase.order"].create({"partner_id": ordered.id})
        with self._refused("MEDSYNC_DUPLICATE_BANK"):
            self.Bank.create({"partner_id": ordered.id, "acc_number": "GB33BUKB20201555555555"})

    def test_no_context_key_turns_the_stops_off(self):
        other = self.Vendors.create({"name": "Other Vendor", "is_company": True})
        for key in ("medsync_skip_bank_check", "medsync_merge", "medsync_guard"):
            with self._refused("MEDSYNC_DUPLICATE_BANK"):
                self.Bank.with_context(**{key: True}).create(
                    {"partner_id": other.id, "acc_number": "GB33BUKB20201555555555"})
            with self._refused("MEDSYNC_DUPLICATE_TAX_ID"):
                self.Vendors.with_context(**{key: True}).create(
                    {"name": "Copy", "is_company": True, "vat": "US991234567"})
        # MedSync's own callers pass
        guard.privileged(self.Bank).create({"partner_id": other.id, "acc_number": "GB33BUKB20201555555555"})
        # Odoo's merge moves MedSync's review records too; only MedSync's merge keeps them
        Merge = self.env["base.partner.merge.automatic.wizard"]
        tables = {t for t, _c in Merge.with_context(medsync_merge=True)._get_fk_on("res_partner")}
        self.assertIn("medsync_vendor_duplicate", tables)
        tables = {t for t, _c in guard.privileged(Merge)._get_fk_on("res_partner")}
        self.assertNotIn("medsync_vendor_duplicate", tables)

    def test_restoring_a_vendor_from_the_archive(self):
        self.vendor.action_archive()
        twin = self.Vendors.create({"name": "Stop Vendor LLC", "is_company": True, "vat": "US991234567"})
        with self._refused("MEDSYNC_DUPLICATE_TAX_ID"):
            self.vendor.action_unarchive()
        twin.action_archive()
        self.vendor.action_unarchive()

    def test_merge_and_undo_of_a_same_tax_id_pair(self):
        self.env.company.medsync_dedupe_block = False
        twin = self.Vendors.create({"name": "Stop Vendor Incorporated", "is_company": True, "vat": "US991234567"})
        self.Bank.create({"partner_id": twin.id, "acc_number": "GB33BUKB20201555555555"})
        self.env.company.medsync_dedupe_block = True
        wizard = Form(self.env["medsync.vendor.merge"].with_user(self.steward).with_context(
            default_partner_ids=(self.vendor | twin).ids))
        wizard.winner_id = self.vendor
        action = wizard.save().action_merge()
        log = self.env["medsync.vendor.merge.log"].browse(action["res_id"])
        self.assertFalse(twin.active)
        self.assertEqual(len(self.vendor.bank_ids), 1, "the shared account folded into the survivor's")
        log.with_user(self.steward).action_undo()
        self.assertEqual(log.state, "undone")
        self.assertTrue(twin.active, "undo restores the archived vendor, same tax id and all")
        self.assertEqual(twin.bank_ids.sanitized_acc_number, "GB33BUKB20201555555555")
        # ...and a user restoring a copy by hand is still refused
        twin.action_archive()
        with self._refused("MEDSYNC_DUPLICATE_TAX_ID"):
            twin.action_unarchive()


@tagged("post_install", "-at_install")
class TestMergeLogExposure(TransactionCase):
    """Merge logs keep snapshots of vendor and bank data: stewards and system
    administrators read them; a plain MedSync user opens the review queue
    without them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.reader = new_test_user(env, login="log_reader", groups="base.group_user,medsync.group_medsync_user",
                                   email=False)
        cls.steward = new_test_user(env, login="log_steward", groups="base.group_user,medsync.group_medsync_steward")
        cls.admin = new_test_user(env, login="log_admin", groups="base.group_user,base.group_system")
        Vendors = env["res.partner"].with_context(res_partner_search_mode="supplier")
        cls.a, cls.b = Vendors.create([{"name": "Log Vendor A", "is_company": True},
                                       {"name": "Log Vendor B", "is_company": True}])
        cls.log = guard.privileged(env["medsync.vendor.merge.log"]).create({
            "name": "A ← B", "winner_id": cls.a.id, "loser_ids": [Command.set(cls.b.ids)],
            "banks_json": '[{"acc_number": "GB33BUKB20201555555555"}]'})
        cls.pair = guard.privileged(env["medsync.vendor.duplicate"]).create({
            "left_id": cls.a.id, "right_id": cls.b.id, "state": "merged", "merge_log_id": cls.log.id})

    def test_who_reads_merge_logs(self):
        with self.assertRaises(AccessError):
            self.log.with_user(self.reader).read(["banks_json"])
        with self.assertRaises(AccessError):
            self.env["medsync.vendor.merge.log"].with_user(self.reader).search([])
        self.assertEqual(self.log.with_user(self.steward).read(["banks_json"])[0]["id"], self.log.id)
        self.assertEqual(self.log.with_user(self.admin).read(["banks_json"])[0]["id"], self.log.id)
        with self.assertRaises(AccessError):
            self.log.with_user(self.admin).write({"name": "changed"})

    def test_the_reader_screens_open(self):
        menu = self.env.ref("medsync.medsync_vendor_merge_log_menu")
        Menu = self.env["ir.ui.menu"]
        self.assertNotIn(menu.id, Menu.with_user(self.reader)._visible_menu_ids())
        self.assertIn(menu.id, Menu.with_user(self.steward)._visible_menu_ids())
        self.assertIn(self.env.ref("medsync.medsync_vendor_duplicate_menu").id,
                      Menu.with_user(self.reader)._visible_menu_ids())
        form = Form(self.pair.with_user(self.reader))
        self.assertNotIn("merge_log_id", form._view["fields"])
        self.assertEqual(form.state, "merged")
        self.assertIn("merge_log_id", Form(self.pair.with_user(self.steward))._view["fields"])
