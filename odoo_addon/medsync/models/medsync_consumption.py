"""Cabinet consumption: every usage event a cabinet system posts (kept with
the move it became, or held with why), the recall list, and where a
cabinet's consumption goes (its department's consumption location, valued to
the department's expense account).

Events are written by the hub's consumption handler only
(``services/consumption.py``); the inventory controller reads them, applies
the held ones once their mapping is fixed, and keeps the recall list."""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..services import consumption

KINDS = [("issue", "Issue"), ("return", "Return"), ("waste", "Waste"), ("restock", "Restock")]
STATES = [("applied", "Applied"), ("held", "Held"), ("noted", "Noted (restock)"), ("duplicate", "Duplicate")]


class MedsyncConsumptionEvent(models.Model):
    _name = "medsync.consumption.event"
    _description = "Cabinet consumption event"
    _inherit = ["medsync.guarded"]
    _order = "time desc, id desc"
    _rec_name = "event_ref"
    _medsync_protected = frozenset({
        "system_id", "company_id", "message_id", "cabinet", "event_ref", "time", "product_code", "code_kind",
        "lot_name", "expiry", "qty", "unit", "kind", "department", "charge_ref", "state", "status", "note",
        "location_id", "location_dest_id", "product_id", "lot_id", "product_qty", "move_id", "expired", "recalled",
        "late"})
    _medsync_guard_unlink = True

    system_id = fields.Many2one("medsync.system", "Cabinet system", required=True, readonly=True, index=True,
                                ondelete="restrict")
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    message_id = fields.Many2one("medsync.message", readonly=True, index=True, ondelete="set null")
    cabinet = fields.Char(required=True, readonly=True, index=True, help="The cabinet's code (or GLN) as sent.")
    event_ref = fields.Char("Event", required=True, readonly=True)
    time = fields.Datetime(required=True, readonly=True, index=True)
    product_code = fields.Char("Product code", readonly=True)
    code_kind = fields.Char(readonly=True)
    lot_name = fields.Char("Lot sent", readonly=True)
    expiry = fields.Date(readonly=True)
    qty = fields.Float("Quantity sent", readonly=True, digits="Product Unit of Measure")
    unit = fields.Char(readonly=True)
    kind = fields.Selection(KINDS, required=True, readonly=True, index=True)
    department = fields.Char(readonly=True, index=True)
    charge_ref = fields.Char("Charge (keyed hash)", readonly=True,
                             help="The charge reference as an HMAC with the company's key; never the reference.")
    state = fields.Selection(STATES, required=True, readonly=True, index=True)
    status = fields.Char("Engine status", readonly=True, help="mapped, unknown_product, unknown_lot, ...")
    note = fields.Char(readonly=True)
    location_id = fields.Many2one("stock.location", "Cabinet location", readonly=True, index=True)
    location_dest_id = fields.Many2one("stock.location", "To", readonly=True, index=True)
    product_id = fields.Many2one("product.product", readonly=True, index=True)
    lot_id = fields.Many2one("stock.lot", readonly=True)
    product_qty = fields.Float("Quantity (product unit)", readonly=True, digits="Product Unit of Measure")
    move_id = fields.Many2one("stock.move", readonly=True, index="btree_not_null")
    expired = fields.Boolean(readonly=True)
    recalled = fields.Boolean(readonly=True)
    late = fields.Boolean(readonly=True, help="Applied with its own date, after later events of its cabinet.")

    _sql_constraints = [("event_uniq", "unique(company_id, cabinet, event_ref)",
                         "A cabinet's event is applied once.")]

    def action_apply_held(self):
        """Apply the held events again (after a product code, lot or cabinet was mapped)."""
        if not self.env.user.has_group("medsync.group_medsync_inventory"):
            raise UserError(self.env._("Only an inventory controller applies held consumption."))
        held = self.filtered(lambda e: e.state == "held") or self.search([("state", "=", "held")])
        result = consumption.apply_held(held)
        return {"type": "ir.actions.client", "tag": "display_notification", "params": {
            "title": self.env._("Held consumption"), "type": "success" if result["applied"] else "warning",
            "message": self.env._("%(a)s applied, %(h)s still held.", a=result["applied"], h=result["held"])}}

    @api.model
    def _cron_apply_held(self):
        return consumption.apply_held(self.sudo().search([("state", "=", "held")], limit=50000))  # sudo: scheduler


class MedsyncRecall(models.Model):
    """A recall: a product's lot (or every lot) that must not be used.
    Consumption of a recalled lot raises a critical exception at once."""

    _name = "medsync.recall"
    _description = "Product recall"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"

    product_id = fields.Many2one("product.product", required=True, index=True, tracking=True)
    lot_name = fields.Char("Lot", tracking=True, help="Empty: every lot of the product.")
    date = fields.Date(required=True, default=fields.Date.context_today, tracking=True)
    reference = fields.Char(tracking=True, help="The manufacturer's or the regulator's recall number.")
    reason = fields.Text()
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    active = fields.Boolean(default=True, tracking=True)


class StockLocation(models.Model):
    _inherit = "stock.location"

    medsync_department = fields.Char(
        "Department code (MedSync)", index="btree_not_null",
        help="On a consumption location (usage Inventory loss, valued to the department's expense account): the "
             "department code cabinet events name. Their issues go here. On an internal (or view) location: the "
             "department whose stock it holds, with the locations under it that name none (the executive "
             "dashboard's turns and stock-outs).")
    medsync_consumption_location_id = fields.Many2one(
        "stock.location", "Consumed into (MedSync)", domain=[("usage", "=", "inventory")],
        help="On a cabinet: where its issues go when an event names no department.")

    medsync_route_id = fields.Many2one(
        "stock.route", "Replenished by (MedSync)",
        help="On a cabinet: the route its reorder rules pull from central stores with (set on the rules MedSync "
             "makes from the cabinet system's par levels).")

    @api.constrains("medsync_department", "usage")
    def _check_medsync_department(self):
        for loc in self.filtered("medsync_department"):
            if loc.usage not in ("inventory", "production", "internal", "view"):
                raise ValidationError(self.env._("%s: a department code belongs on the department's consumption "
                                                 "location (usage Inventory loss or Production) or on its stock "
                                                 "(an internal or view location).", loc.display_name))


class StockWarehouseOrderpoint(models.Model):
    _inherit = "stock.warehouse.orderpoint"

    @api.model_create_multi
    def create(self, vals_list):
        ops = super().create(vals_list)
        if not consumption.from_cabinet(self.env):
            consumption.queue_par_levels(ops)
        return ops

    def write(self, vals):
        res = super().write(vals)
        if {"product_min_qty", "product_max_qty"} & vals.keys() and not consumption.from_cabinet(self.env):
            consumption.queue_par_levels(self)
        return res
