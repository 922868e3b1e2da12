from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..services import compliance, guard, matching
from .medsync_compliance_overridable import OVERRIDE_FIELDS

MATCH_STATES = [
    ("none", "Not matched"),
    ("matched", "Matched"),
    ("variance", "Matched within tolerance"),
    ("hold", "On hold"),
    ("released", "Hold released"),
    # company policy "approval" for bills without a purchase order (res.company.medsync_no_po_policy):
    # not held; waits for the approver's "Approve without PO", then approved (payable as matched)
    ("to_approve", "No PO: to approve"),
    ("approved", "No PO: approved"),
]


# match states that stop a payment (see _medsync_check_payable and account_move_line.py)
PAYMENT_BLOCKING = ("hold", "to_approve")


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "medsync.compliance.overridable"]
    # the hold and its release, the no-PO approval: written by matching, the release and the approval actions
    # only (services/guard.py)
    _medsync_protected = frozenset({
        "medsync_match_state", "medsync_hold_reason", "medsync_hold_signature", "medsync_last_match",
        "medsync_hold_released_by_id", "medsync_hold_release_date", "medsync_hold_release_note",
        "medsync_no_po_signature", "medsync_no_po_approved_by_id", "medsync_no_po_approval_date",
        # the compliance hold (services/compliance.py) and the officer's override
        "medsync_compliance_hold", "medsync_compliance_hold_reason", *OVERRIDE_FIELDS,
        # the billing batch an entry posts (services/billing.py) and the business date it reconciles on
        "medsync_billing_batch_id", "medsync_business_date"})

    medsync_billing_batch_id = fields.Many2one("medsync.billing.batch", "Billing batch", copy=False, readonly=True,
                                               index="btree_not_null", ondelete="restrict")
    medsync_business_date = fields.Date("Business date", copy=False, readonly=True,
                                        help="The billing platform's day of this entry: the daily reconciliation "
                                             "compares on it even when a locked period moved the accounting date.")
    medsync_match_state = fields.Selection(MATCH_STATES, "Match", default="none", copy=False, index=True,
                                           readonly=True, tracking=True)
    medsync_hold_reason = fields.Char("Hold reasons", copy=False, readonly=True)
    medsync_hold_signature = fields.Char(copy=False, readonly=True)
    medsync_last_match = fields.Datetime("Last matched", copy=False, readonly=True)
    medsync_hold_released_by_id = fields.Many2one("res.users", "Hold released by", copy=False, readonly=True)
    medsync_hold_release_date = fields.Datetime("Hold released on", copy=False, readonly=True)
    medsync_hold_release_note = fields.Text("Release reason", copy=False, readonly=True)
    # the bill's lines without a purchase order, as billed (services/matching.py::_hold_signature), when the
    # company approves such bills; an approval covers them while they stay the same
    medsync_no_po_signature = fields.Char(copy=False, readonly=True)
    medsync_no_po_approved_by_id = fields.Many2one("res.users", "Approved without PO by", copy=False, readonly=True)
    medsync_no_po_approval_date = fields.Datetime("Approved without PO on", copy=False, readonly=True)
    medsync_no_po_pending = fields.Boolean(
        "No-PO approval pending", compute="_compute_medsync_no_po",
        help="Lines without a purchase order wait for the approver (company policy: approval).")
    medsync_no_po_approver_id = fields.Many2one(
        "res.users", "No-PO approver", compute="_compute_medsync_no_po",
        help="The approver the no-PO approver rules name for this vendor and amount; empty: the AP managers.")
    medsync_no_po_can_approve = fields.Boolean(compute="_compute_medsync_no_po")
    medsync_match_result_ids = fields.One2many("medsync.match.result", "move_id", "Match results",
                                               domain=[("is_current", "=", True)], readonly=True,
                                               groups="medsync.group_medsync_user")
    medsync_on_hold = fields.Boolean(compute="_compute_medsync_on_hold", search="_search_medsync_on_hold")
    # separate from the match state: a re-match never lifts it; lifted when the vendor is clear again or by a
    # compliance officer's override of the bill
    medsync_compliance_hold = fields.Boolean("Compliance hold", copy=False, readonly=True, index=True,
                                             tracking=True)
    medsync_compliance_hold_reason = fields.Char("Compliance hold reason", copy=False, readonly=True)

    @api.depends("medsync_match_state")
    def _compute_medsync_on_hold(self):
        for move in self:
            move.medsync_on_hold = move.medsync_match_state == "hold"

    @api.depends("medsync_no_po_signature", "medsync_no_po_approved_by_id", "amount_total_signed",
                 "commercial_partner_id")
    @api.depends_context("uid")
    def _compute_medsync_no_po(self):
        pending = self.filtered(lambda m: m.medsync_no_po_signature and not m.medsync_no_po_approved_by_id)
        # sudo: the rules are read to say who approves, for anyone who can see the bill
        approvers = self.env["medsync.no.po.approver"].sudo()._approvers(pending._origin) if pending else {}
        manager = self.env.user.has_group("medsync.group_medsync_ap_manager")
        for move in self:
            approver = approvers.get(move._origin.id, self.env["res.users"])
            move.medsync_no_po_pending = move in pending
            move.medsync_no_po_approver_id = approver.with_env(self.env)
            move.medsync_no_po_can_approve = move in pending and (manager or approver == self.env.user)

    def _search_medsync_on_hold(self, operator, value):
        if operator not in ("=", "!="):
            raise UserError(_("Unsupported search on hold."))
        positive = (operator == "=") == bool(value)
        return [("medsync_match_state", "=" if positive else "!=", "hold")]

    @api.model_create_multi
    def create(self, vals_list):
        guard.check_create(self, vals_list, {"medsync_match_state": "none"})
        moves = super().create(vals_list)
        # a bill that arrives (by hand, import, the hub) for a suspended or blocked vendor is held at once
        stopped = moves.filtered(lambda m: m.move_type in compliance.PAYABLE_MOVES
                                 and compliance.stopped(m.commercial_partner_id))
        for vendor, bills in stopped.grouped("commercial_partner_id").items():
            # sudo: the vendor's decision is read for whoever enters the bill
            self._medsync_compliance_hold_vendors(vendor, vendor.sudo().medsync_compliance_note or "", bills)
        return moves

    def write(self, vals):
        guard.check(self, vals)
        if vals.get("state") == "posted":
            # the purchasing gate on every way a vendor bill is posted: the button, RPC, the hub, auto-post
            compliance.enforce(self.filtered(lambda m: m.move_type in compliance.PAYABLE_MOVES and m.state == "draft"),
                               "bill",
                               "commercial_partner_id", stopped_only=True)
        if "matched_payment_ids" in vals:
            # a payment linked from the bill's side is a payment of it: the hold stops it too
            self._medsync_check_payable()
        return super().write(vals)

    def copy_data(self, default=None):
        # a copy starts unmatched whatever the caller asks (the fields are copy=False; a default could set them)
        if default and guard.protected_fields(self) & default.keys() and not guard.is_privileged(self.env):
            guard.check(self, default, "copy")
        return super().copy_data(default)

    # ------------------------------------------------------------------ actions

    def _medsync_vendor_bills(self):
        return self.filtered(lambda m: m.move_type in ("in_invoice", "in_refund"))

    def action_medsync_match(self):
        """Match these bills now (the button, and 'Match selected' on the list)."""
        bills = self._medsync_vendor_bills()
        if not bills:
            raise UserError(_("Only vendor bills and credit notes are matched."))
        bills.check_access("write")
        counts = {}
        run = matching.match_moves(bills, trigger="button", counts=counts)
        states = bills.mapped("medsync_match_state")
        held, to_approve = states.count("hold"), states.count("to_approve")
        parts = [_("%s on hold", held)]
        if to_approve:
            parts.append(_("%s without a PO waiting for approval", to_approve))
        parts.append(_("%s new exception(s)", counts.get("new", 0)))
        if counts.get("still_open"):
            parts.append(_("%s exception(s) still open", counts["still_open"]))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Matched %s bill(s)", len(bills)),
                "message": _("%(parts)s (%(s).2f s).", parts=", ".join(parts), s=run.total_seconds),
                "type": "warning" if held or to_approve else "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_medsync_approve_no_po(self):
        """Approve bills without a purchase order (company policy: approval):
        an AP manager, or the approver the rules name for the bill. Records who
        and when on the bill and in its chatter, and resolves the approval
        exception with the approval as its reason."""
        bills = self._medsync_vendor_bills().filtered("medsync_no_po_pending")
        if not bills:
            raise UserError(_("None of these bills waits for an approval without a purchase order."))
        refused = bills.filtered(lambda m: not m.medsync_no_po_can_approve)
        if refused:
            raise UserError(_(
                "Only an AP manager or the approver named for the vendor and amount (MedSync › Configuration › "
                "No-PO approvers) may approve these bills without a purchase order: %s",
                ", ".join(f"{m.display_name} ({m.medsync_no_po_approver_id.name or _('AP managers')})"
                          for m in refused)))
        now = fields.Datetime.now()
        # sudo: the approver may have no write right on a posted bill (or none at all on the bill, being a
        # department head); the check above is the control, and the tracked state and the note below record
        # who approved what
        guard.privileged(bills.sudo()).write({"medsync_no_po_approved_by_id": self.env.uid,
                                              "medsync_no_po_approval_date": now})
        waiting = bills.filtered(lambda m: m.medsync_match_state == "to_approve")
        guard.privileged(waiting.sudo()).write({"medsync_match_state": "approved"})
        note = _("Approved without a purchase order by %s.", self.env.user.name)
        bills._message_log_batch({
            move.id: _("Approved without a purchase order by %(user)s (%(amount)s)%(held)s.",
                       user=self.env.user.name, amount=move.currency_id.format(move.amount_total),
                       held="" if move in waiting else _("; still on hold: %s", move.medsync_hold_reason or ""))
            for move in bills})
        # sudo: the approver may not work exceptions otherwise; the approval exception is closed by the approval,
        # in the approver's name
        excs = self.env["medsync.exception"].sudo().search([
            ("key", "in", [matching.no_po_approval_key(m.id) for m in bills]), ("state", "in", ("open", "in_progress")),
            ("res_model", "=", "account.move"), ("res_id", "in", bills.ids)])
        excs._set_closed("resolved", note)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Approved without PO: %s bill(s)", len(bills)),
                "message": _("%(names)s. %(exc)s approval exception(s) resolved.",
                             names=", ".join(bills.mapped("display_name")), exc=len(excs)),
                "type": "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_medsync_release_hold(self):
        if not self.env.user.has_group("medsync.group_medsync_ap_manager"):
            raise UserError(_("Only an AP manager may release a payment hold."))
        held = self.filtered(lambda m: m.medsync_match_state == "hold")
        if not held:
            raise UserError(_("None of these bills is on hold."))
        return {
            "type": "ir.actions.act_window",
            "name": _("Release payment hold"),
            "res_model": "medsync.hold.release",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_ids": held.ids},
        }

    def _medsync_release(self, note):
        """Release holds with a reason; recorded on the bill and in its chatter.
        A re-match keeps the release while the same reasons hold; a new reason holds again."""
        if not self.env.user.has_group("medsync.group_medsync_ap_manager"):
            raise UserError(_("Only an AP manager may release a payment hold."))
        if not (note or "").strip():
            raise UserError(_("Say why the hold is released."))
        held = self.filtered(lambda m: m.medsync_match_state == "hold")
        if not held:
            raise UserError(_("None of these bills is on hold."))
        # sudo: an AP manager may lack write rights on a posted bill; the group check above is the control,
        # and the tracked state change and the note below record who released what and why
        guard.privileged(held.sudo()).write({
            "medsync_match_state": "released",
            "medsync_hold_released_by_id": self.env.uid,
            "medsync_hold_release_date": fields.Datetime.now(),
            "medsync_hold_release_note": note.strip(),
        })
        held._message_log_batch({
            move.id: _("Payment hold (%(reasons)s) released by %(user)s: %(note)s", reasons=move.medsync_hold_reason,
                       user=self.env.user.name, note=note.strip()) for move in held})

    def _medsync_payment_blocked(self):
        """The bills MedSync stops from being paid: on hold, or waiting for the
        approval a bill without a purchase order needs, or stopped by vendor
        compliance."""
        return self.filtered(lambda m: m.medsync_match_state in PAYMENT_BLOCKING) | self._medsync_compliance_blocked()

    def _medsync_compliance_blocked(self):
        """Vendor bills compliance stops from being paid, unless a compliance
        officer overrode them: a compliance hold, a suspended or blocked vendor,
        or a vendor not approved where the company's gate blocks payments."""
        bills = self.filtered(lambda m: m.move_type in compliance.PAYABLE_MOVES
                              and not m.medsync_compliance_override_by_id)
        if not bills:
            return bills
        out = bills.filtered(lambda m: m.medsync_compliance_hold or compliance.stopped(m.commercial_partner_id))
        # the vendors' problems are looked for only where the company's gate blocks payments (off by default):
        # every reconciliation passes here
        gated = (bills - out).filtered(lambda m: compliance.mode(m.company_id, "payment") == "block")
        if gated:
            found = compliance.problems(gated.commercial_partner_id)
            out |= gated.filtered(lambda m: m.commercial_partner_id.id in found)
        return out

    def _medsync_check_payable(self):
        # a company that matches before paying: a bill nobody matched yet is matched now
        unmatched = self._medsync_vendor_bills().filtered(
            lambda m: m.medsync_match_state == "none" and m.company_id.medsync_match_before_payment
            and m.state != "cancel")
        if unmatched:
            # sudo: the control runs for whoever pays, with or without a MedSync role
            matching.match_moves(unmatched.sudo(), trigger="button")
        # compliance first: paying an excluded party is the costliest mistake
        stopped = self._medsync_compliance_blocked()
        if stopped:
            found = compliance.problems(stopped.commercial_partner_id)
            raise UserError(_(
                "MedSync compliance: these bills cannot be paid while their vendor is not cleared (a compliance "
                "officer approves the vendor, or overrides one bill with a reason): %s",
                ", ".join(f"{m.display_name} ({why})" for m, why in (
                    (m, m.medsync_compliance_hold_reason or found.get(m.commercial_partner_id.id)
                     or _("compliance hold")) for m in stopped))))
        blocked = self._medsync_payment_blocked()
        held = blocked.filtered(lambda m: m.medsync_match_state == "hold")
        waiting = blocked - held
        if held:
            raise UserError(_(
                "These bills are on a MedSync payment hold and cannot be paid until the hold is resolved or "
                "released by an AP manager: %s", ", ".join(f"{m.display_name} ({m.medsync_hold_reason})"
                                                          for m in held)))
        if waiting:
            raise UserError(_(
                "These bills have no purchase order and cannot be paid until they are approved (Approve without "
                "PO, by an AP manager or the approver MedSync names on the bill): %s",
                ", ".join(waiting.mapped("display_name"))))

    def _medsync_compliance_warn_payment(self):
        """Where the company's gate only warns: a payment of a vendor not approved goes through, with a note on
        the bill and an exception for compliance (called once per payment, when it is made)."""
        compliance.enforce(self.filtered(lambda m: m.move_type in compliance.PAYABLE_MOVES),
                           "payment", "commercial_partner_id")

    def _medsync_compliance_hold_vendors(self, vendors, note, bills=None):
        """Hold the open vendor bills of these (suspended or blocked) vendors
        (or only ``bills`` of them)."""
        domain = [("move_type", "in", compliance.PAYABLE_MOVES), ("commercial_partner_id", "in", vendors.ids),
                  ("state", "!=", "cancel"), ("payment_state", "not in", ("paid", "in_payment", "reversed")),
                  ("medsync_compliance_hold", "=", False), ("medsync_compliance_override_by_id", "=", False)]
        if bills is not None:
            domain.append(("id", "in", bills.ids))
        bills = self.sudo().search(domain)  # sudo: the hold follows the vendor's state, whoever decided it
        if bills:
            # sudo: see above
            state = dict(compliance.STATES)[vendors[:1].sudo().medsync_compliance_state]
            reason = _("vendor %(state)s: %(note)s", state=state.lower(), note=note)
            guard.privileged(bills).write({"medsync_compliance_hold": True,
                                           "medsync_compliance_hold_reason": reason[:250]})
            bills._message_log_batch({b.id: self.env._("Compliance hold: %s", reason) for b in bills})
        return bills

    def _medsync_compliance_lift_vendors(self, vendors, note):
        bills = self.sudo().search([  # sudo: see _medsync_compliance_hold_vendors
            ("move_type", "in", compliance.PAYABLE_MOVES), ("commercial_partner_id", "in", vendors.ids),
            ("medsync_compliance_hold", "=", True)])
        if bills:
            guard.privileged(bills).write({"medsync_compliance_hold": False, "medsync_compliance_hold_reason": False})
            bills._message_log_batch({b.id: self.env._("Compliance hold lifted: the vendor is cleared (%s).", note)
                                      for b in bills})
        return bills

    def _medsync_after_override(self, note):
        held = self.filtered("medsync_compliance_hold")
        if held:
            held.write({"medsync_compliance_hold": False, "medsync_compliance_hold_reason": False})

    def action_register_payment(self):
        self._medsync_check_payable()
        return super().action_register_payment()

    def action_post(self):
        # a bill matched before and changed since (reset to draft, edited) is matched again before it posts:
        # a hold, or a release, holds for what the bill says now
        # a company that matches before paying matches every vendor bill it posts
        rematch = self._medsync_vendor_bills().filtered(
            lambda m: m.medsync_match_state != "none" or m.company_id.medsync_match_before_payment)
        if rematch:
            # sudo: the control runs for whoever posts, with or without a MedSync role; the run and the chatter
            # still name the posting user
            matching.match_moves(rematch.sudo(), trigger="button")
        blocking = self.filtered(lambda m: m.medsync_match_state == "hold" and m.company_id.medsync_hold_blocks_posting)
        if blocking:
            raise UserError(_("On MedSync hold, and this company does not post held bills: %s",
                              ", ".join(blocking.mapped("display_name"))))
        res = super().action_post()
        # a posted credit note changes what was billed on its PO lines: re-check their bills
        refunds = self.filtered(lambda m: m.move_type == "in_refund")
        if refunds:
            self.env["purchase.order.line"].browse(
                refunds.line_ids.purchase_line_id.ids)._medsync_recheck_bills()
        return res

    # ------------------------------------------------------------------ scheduled / queued

    @api.model
    def _medsync_open_bills_domain(self):
        return [("move_type", "in", ("in_invoice", "in_refund")), ("state", "!=", "cancel"),
                ("payment_state", "not in", ("paid", "reversed", "in_payment"))]

    @api.model
    def _cron_medsync_rematch(self, chunk=None):
        """Nightly: re-match every open vendor bill, one queued job per chunk."""
        bills = self.search(self._medsync_open_bills_domain(), order="commercial_partner_id, id")
        size = chunk or self.env.company.medsync_chunk_size
        for start in range(0, len(bills), size):
            part = bills[start:start + size]
            part.with_delay(channel="root.medsync.match", description=_("MedSync: re-match %s bills", len(part)),
                            identity_key=f"medsync-rematch-{part.ids[0]}-{part.ids[-1]}")._medsync_match_job("cron")
        return len(bills)

    def _medsync_match_job(self, trigger="job"):
        bills = self.exists()
        if bills:
            matching.match_moves(bills, trigger=trigger)
        return len(bills)

    def _medsync_enqueue_match(self):
        bills = self._medsync_vendor_bills().filtered(lambda m: m.state != "cancel")
        if bills:
            bills.with_delay(channel="root.medsync.match", description=_("MedSync: re-check %s bills", len(bills)),
                             )._medsync_match_job("job")
