"""A bill on MedSync payment hold cannot be paid by reconciliation.

Every way money meets a bill ends in a reconciliation: the payment wizard, a
payment's line reconciled by hand, "Add" on an outstanding payment
(``account.move.js_assign_outstanding_line``), a bank statement line matched to
the bill, ``reconcile()`` called over RPC. Odoo funnels all of them through
``account.move.line._reconcile_plan``, which creates ``account.partial.reconcile``
records. The plan is checked group by group before any work, with one clear
message; the partial itself is checked as a backstop, since a user who may
reconcile may also create a partial directly over RPC.

Credit notes and reversals still reduce a held bill: only vendor documents
(bills and credit notes) and the bill's own reversal may meet a held bill's
lines. Payments, bank statement lines and any other entry are money.
"""

from odoo import api, fields, models

from ..services import billing, guard

# The plan was checked by _reconcile_plan: the partials, exchange difference
# and cash basis entries Odoo builds inside it are not checked again (they
# only follow what was allowed). A module-private object, which no RPC caller
# can put in a context (as services/guard.py does for the control fields).
_CHECKED = object()
_CHECKED_KEY = "medsync_reconcile_checked"

# move types that are not money: a credit note reduces a bill, a bill does not pay one
NON_CASH_MOVE_TYPES = ("in_invoice", "in_refund")


def _flatten(plan_item, amls):
    """All the lines of one item of a reconciliation plan: a recordset, or a
    list/tuple of items (a sub-plan), reconciled together in the end."""
    if isinstance(plan_item, models.BaseModel):
        return amls | plan_item
    for child in plan_item or ():
        amls = _flatten(child, amls)
    return amls


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"
    # the payer reference says which billing receivable a payment settles: only the billing posting writes it
    _medsync_protected = frozenset({"medsync_payer_ref", "medsync_billing_group"})

    medsync_payer_ref = fields.Char(
        "Payer reference", copy=False, readonly=True, index="btree_not_null",
        help="The billing platform's payer reference of a receivable posted from a billing batch, as a keyed hash "
             "(never in clear). Its reconciliation is reported back to the platform.")
    medsync_billing_group = fields.Integer(
        "Billing entry line", copy=False, readonly=True,
        help="Of an entry posted from a billing batch: which of its summary lines this is (the batch's lines "
             "carry the same number).")

    @api.model_create_multi
    def create(self, vals_list):
        guard.check_create(self, vals_list, {"medsync_payer_ref": False, "medsync_billing_group": 0})
        return super().create(vals_list)

    def write(self, vals):
        guard.check(self, vals)
        return super().write(vals)

    def _medsync_hold_refusal(self):
        """The held bills that reconciling these lines together would pay.

        A held bill's lines may meet its other lines, vendor bills and credit
        notes, and reversals of (or reversed by) the held bill; any other
        counterpart is money."""
        blocked = self.move_id._medsync_payment_blocked()
        held_lines = self.filtered(lambda aml: aml.move_id in blocked)
        if not held_lines:
            return self.env["account.move"]
        held_moves = held_lines.move_id
        related = held_moves | held_moves.reversed_entry_id
        money = (self - held_lines).move_id.filtered(
            lambda m: m not in related
            and m.move_type not in NON_CASH_MOVE_TYPES
            and m.reversed_entry_id not in held_moves
        )
        return held_moves if money else self.env["account.move"]

    def _medsync_check_reconcile(self):
        held = self._medsync_hold_refusal()
        if held:
            held._medsync_check_payable()

    @api.model
    def _reconcile_plan(self, reconciliation_plan):
        if self.env.context.get(_CHECKED_KEY) is not _CHECKED:
            items = [item for item in reconciliation_plan if item]
            all_amls = _flatten(items, self.browse())
            # most reconciliations touch no held bill: one look at the moves before going item by item
            if all_amls.move_id._medsync_payment_blocked():
                for item in items:
                    _flatten(item, self.browse())._medsync_check_reconcile()
        return super(AccountMoveLine, self.with_context(**{_CHECKED_KEY: _CHECKED}))._reconcile_plan(
            reconciliation_plan)


class AccountPartialReconcile(models.Model):
    """Kept with the line reconciliation it guards: a partial created by anything
    but a checked ``_reconcile_plan`` (a user's ``create`` over RPC, a write of
    ``matched_debit_ids`` on a line) is checked pair by pair."""

    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        if self.env.context.get(_CHECKED_KEY) is not _CHECKED:
            Line = self.env["account.move.line"]
            for vals in vals_list:
                ids = [vals.get("debit_move_id"), vals.get("credit_move_id")]
                Line.browse([i for i in ids if i]).exists()._medsync_check_reconcile()
        partials = super().create(vals_list)
        billing.payment_events(partials, "reconciled")
        return partials

    def unlink(self):
        # an undone reconciliation of a billing receivable is reported too, before its partials go
        billing.payment_events(self, "unreconciled")
        return super().unlink()
