"""A validated receipt queues a re-check of the bills of its PO lines."""

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..services import compliance
from .medsync_compliance_overridable import OVERRIDE_FIELDS


class StockPicking(models.Model):
    _name = "stock.picking"
    _inherit = ["stock.picking", "medsync.guarded", "medsync.compliance.overridable"]
    # the ship notice the hub applied; the compliance officer's override
    _medsync_protected = frozenset({"medsync_asn_ref", *OVERRIDE_FIELDS})

    medsync_asn_line_ids = fields.One2many(
        "medsync.asn.line", "picking_id", "Announced", readonly=True,
        groups="stock.group_stock_user,purchase.group_purchase_user,medsync.group_medsync_user",
        help="The ship notice's lines as the vendor announced them, kept whatever the receipt became.")
    medsync_asn_ref = fields.Char("Ship notice", copy=False, readonly=True, index="btree_not_null")

    def _medsync_check_receivable(self):
        """A suspended or blocked vendor's receipts are not validated (a compliance officer may override one)."""
        # the receipt's partner and its purchase order's vendor (either may be edited apart)
        stopped = self.filtered(lambda p: p.picking_type_code == "incoming" and not p.medsync_compliance_override_by_id
                                and compliance.stopped(p.partner_id | p.purchase_id.partner_id))
        if stopped:
            raise UserError(_(
                "MedSync compliance: these receipts cannot be validated while their vendor is suspended or blocked "
                "(a compliance officer may override one receipt with a reason): %s",
                ", ".join(f"{p.display_name} ({vendor.display_name})" for p, vendor in (
                    (p, (p.purchase_id.partner_id or p.partner_id).commercial_partner_id) for p in stopped))))

    def _action_done(self):
        self._medsync_check_receivable()
        res = super()._action_done()
        self.move_ids.purchase_line_id._medsync_recheck_bills()
        return res
