"""Purchase orders and the hub: confirmed orders go out to the vendor's
system through the outbox; the vendor's acknowledgement is kept per line."""

from odoo import fields, models

from ..services import hub, hub_handlers

ACK_STATES = [("none", "Not sent"), ("waiting", "Waiting for acknowledgement"), ("acknowledged", "Acknowledged"),
              ("exceptions", "Acknowledged with exceptions"), ("rejected", "Rejected")]


class PurchaseOrder(models.Model):
    _name = "purchase.order"
    _inherit = ["purchase.order", "medsync.guarded"]
    # the vendor's acknowledgement as the hub received it (services/guard.py)
    _medsync_protected = frozenset({"medsync_ack_state", "medsync_ack_due", "medsync_ack_date", "medsync_ack_ref"})
    _medsync_create_values = {"medsync_ack_state": "none"}

    medsync_ack_state = fields.Selection(ACK_STATES, "Vendor acknowledgement", default="none", copy=False,
                                         readonly=True, index=True, tracking=True)
    medsync_ack_due = fields.Datetime("Acknowledgement due", copy=False, readonly=True)
    medsync_ack_date = fields.Datetime("Acknowledged on", copy=False, readonly=True)
    medsync_ack_ref = fields.Char("Vendor's order reference", copy=False, readonly=True)
    medsync_message_count = fields.Integer("Hub messages", compute="_compute_medsync_message_count")

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

    def button_approve(self, force=False):
        res = super().button_approve(force=force)
        hub_handlers.queue_purchase_orders(self.filtered(lambda po: po.state == "purchase"))
        return res

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
