from odoo import fields, models

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
        "amount_on_hold", "rule_id", "explanation", "date"})
    _medsync_guard_unlink = True
    _description = "MedSync match result"
    _order = "id desc"
    # engine output: who and when are the run's (run_id.user_id, date); no per-row audit columns,
    # which would cost two more foreign-key checks per inserted row
    _log_access = False

    run_id = fields.Many2one("medsync.run", readonly=True, index=True, ondelete="cascade")
    move_id = fields.Many2one("account.move", "Bill", readonly=True, index=True, ondelete="cascade")
    move_line_id = fields.Many2one("account.move.line", "Bill line", readonly=True, index=True, ondelete="cascade")
    # indexes: only what is looked up by (a bill, a line, a run, a vendor, a PO line); company, status and
    # "current" select large shares of the table, and each index is paid on every row a run inserts
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", "Vendor", readonly=True, index=True)
    product_id = fields.Many2one("product.product", readonly=True)
    purchase_line_id = fields.Many2one("purchase.order.line", "PO line", readonly=True, index="btree_not_null")
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
    amount_variance = fields.Monetary("Variance amount", currency_field="currency_id", readonly=True,
                                      aggregator="sum")
    amount_on_hold = fields.Monetary("On hold", currency_field="currency_id", readonly=True, aggregator="sum")
    rule_id = fields.Many2one("medsync.match.tolerance", "Rule applied", readonly=True)
    explanation = fields.Char(readonly=True)
    date = fields.Datetime(readonly=True, default=fields.Datetime.now)
