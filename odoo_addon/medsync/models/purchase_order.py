"""Purchase orders and the hub: confirmed orders go out to the vendor's
system through the outbox; the vendor's acknowledgement is kept per line."""

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..services import compliance, hub, hub_handlers, scorecard
from .medsync_compliance_overridable import OVERRIDE_FIELDS

ACK_STATES = [("none", "Not sent"), ("waiting", "Waiting for acknowledgement"), ("acknowledged", "Acknowledged"),
              ("exceptions", "Acknowledged with exceptions"), ("rejected", "Rejected")]


class PurchaseOrder(models.Model):
    _name = "purchase.order"
    _inherit = ["purchase.order", "medsync.guarded", "medsync.compliance.overridable"]
    # the vendor's acknowledgement as the hub received it, and the compliance officer's override (services/guard.py)
    _medsync_protected = frozenset({"medsync_ack_state", "medsync_ack_due", "medsync_ack_date", "medsync_ack_ref",
                                    *OVERRIDE_FIELDS})
    _medsync_create_values = {"medsync_ack_state": "none"}

    medsync_ack_state = fields.Selection(ACK_STATES, "Vendor acknowledgement", default="none", copy=False,
                                         readonly=True, index=True, tracking=True)
    medsync_ack_due = fields.Datetime("Acknowledgement due", copy=False, readonly=True)
    medsync_ack_date = fields.Datetime("Acknowledged on", copy=False, readonly=True)
    medsync_ack_ref = fields.Char("Vendor's order reference", copy=False, readonly=True)
    medsync_message_count = fields.Integer("Hub messages", compute="_compute_medsync_message_count")
    medsync_ack_ids = fields.One2many("medsync.po.ack", "order_id", "Acknowledgements", readonly=True,
                                      groups="purchase.group_purchase_user,medsync.group_medsync_user")
    medsync_asn_line_ids = fields.One2many("medsync.asn.line", "order_id", "Ship notice lines", readonly=True,
                                           groups="purchase.group_purchase_user,medsync.group_medsync_user")
    medsync_vendor_standing = fields.Selection(related="partner_id.medsync_scorecard_standing",
                                              string="Vendor's standing")
    medsync_vendor_score = fields.Float(related="partner_id.medsync_scorecard_score", string="Vendor's score")
    medsync_vendor_standing_blocks = fields.Boolean(
        "Standing blocks", compute="_compute_medsync_vendor_standing_blocks",
        help="The vendor's scorecard standing blocks new orders in this company (a compliance officer may "
             "override it for this order).")

    @api.depends("partner_id", "company_id")
    def _compute_medsync_vendor_standing_blocks(self):
        for po in self:
            standing = po.partner_id.medsync_scorecard_standing
            po.medsync_vendor_standing_blocks = standing in ("poor", "very_poor") and po.company_id[
                f"medsync_scorecard_gate_{standing}"] == "block"

    def _compute_medsync_message_count(self):
        # sudo: a buyer sees how many messages an order caused, not their content
        groups = self.env["medsync.message.link"].sudo()._read_group(
            [("res_model", "=", "purchase.order"), ("res_id", "in", self.ids)], ["res_id"], ["__count"])
        out = self.env["medsync.message"].sudo()._read_group(
            [("source_model", "=", "purchase.order"), ("source_id", "in", self.ids)], ["source_id"], ["__count"])
        counts = {}
        for res_id, n in [*groups, *out]:
            counts[res_id] = counts.get(res_id, 0) + n
        for po in self:
            po.medsync_message_count = counts.get(po.id, 0)

    def _medsync_check_purchase_warn(self, partner=None):
        """Odoo's own "blocking" purchase warning, which Odoo checks only in the
        form's onchange, holds at confirmation whoever confirms."""
        def vendor(po):
            # sudo: the warning is read for whoever confirms
            return (partner if partner is not None else po.partner_id).sudo()

        blocked = self.filtered(lambda po: not po.medsync_compliance_override_by_id and "block" in (
            vendor(po).purchase_warn, vendor(po).parent_id.purchase_warn))
        if blocked:
            def why(po):
                return vendor(po).purchase_warn_msg or vendor(po).parent_id.purchase_warn_msg or ""
            raise UserError(_("These vendors are blocked for purchases (their purchase warning): %s",
                              "; ".join(f"{po.display_name} ({vendor(po).display_name}: {why(po)})"
                                        for po in blocked)))

    def _medsync_gate_confirm(self, partner=None):
        """The gate on confirming these orders, for their vendor or for ``partner`` about to be written."""
        self._medsync_check_purchase_warn(partner)
        compliance.enforce(self, "po", (lambda po: partner) if partner is not None else "partner_id",
                           stopped_only=True)
        scorecard.enforce(self, partner)

    @api.model_create_multi
    def create(self, vals_list):
        orders = super().create(vals_list)
        # an order imported or created already confirmed passes the gate as a confirmation does
        confirmed = orders.filtered(lambda po: po.state in ("purchase", "done"))
        confirmed._medsync_gate_confirm()
        confirmed._medsync_keep_promises()
        return orders

    def write(self, vals):
        # every way an order is confirmed ends here: the button, a second approval, RPC, an import, a script;
        # the gate judges the order as it will be (a new vendor in the same write, or after confirmation),
        # before anything is written
        confirming = self.filtered(lambda po: po.state not in ("purchase", "done")) \
            if vals.get("state") in ("purchase", "done") else self.browse()
        partner = self.env["res.partner"].browse(vals["partner_id"]) if vals.get("partner_id") else None
        if partner is not None:
            confirming |= self.filtered(lambda po: po.state in ("purchase", "done"))
        if confirming:
            confirming._medsync_gate_confirm(partner)
        res = super().write(vals)
        if confirming:
            confirming._medsync_keep_promises()
        return res

    def _medsync_keep_promises(self):
        """The first promised date of each line: its planned date when the order is confirmed (lines added
        to a confirmed order: when they are added). Kept once; the scorecards measure against it."""
        if not self:
            return
        lines = self.env["purchase.order.line"]
        lines.flush_model(["order_id", "date_planned", "medsync_first_promised", "display_type"])
        self.env.cr.execute(SQL(
            """UPDATE purchase_order_line SET medsync_first_promised = date_planned
                WHERE order_id = ANY(%s) AND medsync_first_promised IS NULL AND display_type IS NULL""",
            self.ids))
        lines.invalidate_model(["medsync_first_promised"])

    def button_approve(self, force=False):
        res = super().button_approve(force=force)
        hub_handlers.queue_purchase_orders(self.filtered(lambda po: po.state == "purchase"))
        return res

    def _medsync_check_sendable(self):
        """A suspended or blocked vendor's confirmed orders are not sent out."""
        stopped = self.filtered(lambda po: po.state in ("purchase", "done") and not po.medsync_compliance_override_by_id
                                and compliance.stopped(po.partner_id))
        if stopped:
            raise UserError(_("MedSync compliance: these orders are not sent while their vendor is suspended or "
                              "blocked: %s", ", ".join(stopped.mapped("display_name"))))

    def action_rfq_send(self):
        self._medsync_check_sendable()
        return super().action_rfq_send()

    @api.model
    def _medsync_replenishment_ok(self, sellers):
        """The sellers Odoo's replenishment may pick: not those of vendors the gate would stop."""
        if not sellers:
            return sellers
        found = compliance.problems(sellers.partner_id)
        return sellers.filtered(lambda s: not (
            s.partner_id.commercial_partner_id.id in found and (
                compliance.stopped(s.partner_id) or compliance.mode(s.company_id or self.env.company, "po") != "off")))

    def action_medsync_vendor_scorecard(self):
        self.ensure_one()
        return self.partner_id.action_medsync_scorecard()

    def action_medsync_messages(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("medsync.action_medsync_message")
        links = self.env["medsync.message.link"].sudo().search(  # sudo: see _compute_medsync_message_count
            [("res_model", "=", "purchase.order"), ("res_id", "=", self.id)])
        action["domain"] = ["|", "&", ("source_model", "=", "purchase.order"), ("source_id", "=", self.id),
                            ("id", "in", links.message_id.ids)]
        return action


class ResUsersApikeys(models.Model):
    _inherit = "res.users.apikeys"

    def _remove(self):
        res = super()._remove()
        # a removed key stops working in every worker at once, not after the auth cache's minute
        hub.bump_key_generation(self.env)
        return res
