from odoo import api, fields, models
from odoo.tools import float_repr, float_round

MATCH_STATUSES = [
    ("duplicate", "Duplicate bill?"),
    ("no_po", "No purchase order"),
    ("over_ordered", "Over-billed vs ordered"),
    ("missing_receipt", "Missing receipt"),
    ("over_received", "Over-billed vs received"),
    ("price_above_contract", "Price above contract"),
    ("price_above_po", "Price above PO"),
    ("price_below_po", "Price below PO"),
    ("within_tolerance", "Within tolerance"),
    ("price_favourable", "Price below PO (favourable)"),
    ("credit_note", "Credit note"),
    ("matched", "Matched"),
]
HOLD_STATUSES = ["duplicate", "no_po", "over_ordered", "missing_receipt", "over_received", "price_above_contract",
                 "price_above_po", "price_below_po"]
LEVELS = [("two_way", "2-way"), ("three_way", "3-way"), ("consumption", "Consumption")]


class MedsyncMatchResult(models.Model):
    """The outcome of matching one vendor bill line in one run. History is
    kept; the latest result of a line is the current one. Written only by the
    matching service; the vendor's billed values are never changed."""

    _name = "medsync.match.result"
    _inherit = ["medsync.guarded"]
    _medsync_protected = frozenset({
        "run_id", "move_id", "move_line_id", "company_id", "partner_id", "product_id", "purchase_line_id",
        "is_current", "status", "level", "hold", "qty", "qty_ordered", "qty_received", "qty_billed_before",
        "qty_variance", "price", "price_po", "price_contract", "price_variance", "amount_variance",
        "amount_qty_variance", "amount_total_variance", "amount_on_hold", "rule_id", "explanation", "date"})
    _medsync_guard_unlink = True
    _description = "MedSync match result"
    _order = "id desc"
    # engine output: who and when are the run's (run_id.user_id, date); no per-row audit columns,
    # which would cost two more foreign-key checks per inserted row
    _log_access = False

    run_id = fields.Many2one("medsync.run", readonly=True, index=True, ondelete="cascade")
    move_id = fields.Many2one("account.move", "Bill", readonly=True, index=True, ondelete="cascade")
    move_line_id = fields.Many2one("account.move.line", "Journal item", readonly=True, index=True, ondelete="cascade")
    line_label = fields.Char("Bill line", compute="_compute_line_label",
                             help="The bill line as billed: its label (or product) and quantity in the bill's unit.")
    # indexes: only what is looked up by (a bill, a line, a run, a vendor, a PO line); company, status and
    # "current" select large shares of the table, and each index is paid on every row a run inserts
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", "Vendor", readonly=True, index=True)
    product_id = fields.Many2one("product.product", readonly=True)
    purchase_line_id = fields.Many2one("purchase.order.line", "Purchase order line", readonly=True,
                                       index="btree_not_null")
    po_line_label = fields.Char("PO line", compute="_compute_line_label",
                                help="The purchase order, the line's number as the explanation names it, and the "
                                     "quantity ordered on it.")
    is_current = fields.Boolean("Current", readonly=True)
    status = fields.Selection(MATCH_STATUSES, readonly=True)
    level = fields.Selection(LEVELS, readonly=True)
    hold = fields.Boolean(readonly=True)
    qty = fields.Float("Billed", digits="Product Unit of Measure", readonly=True)
    qty_ordered = fields.Float("Ordered", digits="Product Unit of Measure", readonly=True)
    qty_received = fields.Float("Received", digits="Product Unit of Measure", readonly=True)
    qty_billed_before = fields.Float("Billed before", digits="Product Unit of Measure", readonly=True)
    qty_variance = fields.Float("Quantity variance", digits="Product Unit of Measure", readonly=True)
    price = fields.Float("Net price", digits="Product Price", readonly=True)
    price_po = fields.Float("PO price", digits="Product Price", readonly=True)
    price_contract = fields.Float("Contract price", digits="Product Price", readonly=True)
    price_variance = fields.Float("Price variance", digits="Product Price", readonly=True)
    amount_variance = fields.Monetary(
        "Price variance value", currency_field="currency_id", readonly=True, aggregator="sum",
        help="The price difference against the PO (or contract) price times the quantity, in company currency.")
    amount_qty_variance = fields.Monetary(
        "Quantity variance value", currency_field="currency_id", readonly=True, aggregator="sum",
        help="The quantity billed beyond what was received (ordered, for 2-way lines; used, for consumption) "
             "at the billed net price, in company currency. Billing less than received is no variance: the rest "
             "may come on a later bill.")
    amount_total_variance = fields.Monetary(
        "Total variance", currency_field="currency_id", readonly=True, aggregator="sum",
        help="Price variance value plus quantity variance value, in company currency.")
    amount_on_hold = fields.Monetary("On hold", currency_field="currency_id", readonly=True, aggregator="sum")
    rule_id = fields.Many2one("medsync.match.tolerance", "Rule applied", readonly=True)
    # text: a list shows it whole, wrapped, instead of cutting it to its column
    explanation = fields.Text(readonly=True)
    date = fields.Datetime(readonly=True, default=fields.Datetime.now)

    @api.depends("move_line_id.name", "move_line_id.product_id", "move_line_id.quantity",
                 "move_line_id.product_uom_id", "purchase_line_id.order_id", "purchase_line_id.product_qty",
                 "purchase_line_id.product_uom")
    def _compute_line_label(self):
        """What the Match tab calls the bill line ("40 Units: [MS-GLV-M] Nitrile
        gloves") and its PO line ("P00012, line 24: 50 Units"), the quantities
        first: they stay readable when a narrow column cuts the rest."""
        digits = self.env["decimal.precision"].precision_get("Product Unit of Measure")

        def qty_text(qty, uom):
            text = float_repr(float_round(qty, precision_digits=digits), digits)
            text = text.rstrip("0").rstrip(".") if "." in text else text
            return f"{text} {uom.name or ''}".strip()

        # sudo: only the label, quantity and unit of the bill line and the PO line this result is about; the
        # result itself is read within its company (record rule) by MedSync users, who may lack accounting or
        # purchase rights
        for result, sudo_result in zip(self, self.sudo(), strict=True):
            line, pol = sudo_result.move_line_id, sudo_result.purchase_line_id
            label = (line.name or line.product_id.display_name or "").split("\n")[0].strip()
            result.line_label = f"{qty_text(line.quantity, line.product_uom_id)}: {label}" if line else False
            result.po_line_label = self.env._(
                "%(order)s, line %(line)s: %(qty)s", order=pol.order_id.name, line=pol.id,
                qty=qty_text(pol.product_qty, pol.product_uom)) if pol else False
