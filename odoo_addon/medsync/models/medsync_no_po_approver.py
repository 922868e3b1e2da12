from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class MedsyncNoPoApprover(models.Model):
    """Who approves a vendor bill that no purchase order covers, when the
    company's policy for such bills is *approval* (Settings › Bill matching).

    A rule applies to a bill of its company whose total (company currency,
    taxes included) reaches its minimum amount, for one vendor or for all.
    The most specific rule wins: a vendor's rule before a rule for all
    vendors, then the highest minimum the bill reaches. Without a rule the
    AP team owns the approval and AP managers approve."""

    _name = "medsync.no.po.approver"
    _description = "MedSync approver of bills without a purchase order"
    # a control setting: who approves is tracked in the chatter (who changed it, when, from what)
    _inherit = ["medsync.tracked.settings"]
    _order = "company_id, partner_id, amount_min desc, id"

    name = fields.Char(compute="_compute_name", store=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", "Vendor", check_company=True,
                                 help="Empty: every vendor of the company.")
    amount_min = fields.Monetary("From bill total", currency_field="currency_id",
                                 help="The rule applies to bills whose total (company currency, taxes included) "
                                      "is at least this much.")
    user_id = fields.Many2one(
        "res.users", "Approver", required=True,
        domain=lambda self: [("share", "=", False), ("groups_id", "in", self.env.ref("medsync.group_medsync_user").id)],
        help="Owns the approval exception (a to-do) and may approve the bill without a purchase order (AP managers "
             "always may). Needs the MedSync User role at least, to open the exception, and access to vendor bills.")

    @api.depends("partner_id", "amount_min", "user_id", "company_id")
    def _compute_name(self):
        for rule in self:
            vendor = rule.partner_id.display_name or _("Any vendor")
            rule.name = _("%(vendor)s from %(amount)s: %(user)s", vendor=vendor,
                          amount=rule.currency_id.format(rule.amount_min) if rule.currency_id else rule.amount_min,
                          user=rule.user_id.name or "")

    @api.constrains("amount_min", "user_id")
    def _check_rule(self):
        if any(rule.company_id.currency_id.compare_amounts(rule.amount_min, 0) < 0 for rule in self):
            raise ValidationError(_("The minimum bill total cannot be negative."))
        for rule in self:
            if not rule.user_id._has_group("medsync.group_medsync_user"):
                raise ValidationError(_("%s has no MedSync role: an approver needs MedSync User at least, to see the "
                                        "approvals in their to-dos.", rule.user_id.name))

    @api.model
    def _approvers(self, bills):
        """{bill id: approver (res.users, empty when no rule applies)} for
        these bills, from one read of the rules of their companies."""
        rules = self.search([("company_id", "in", bills.company_id.ids)])
        out = {}
        for bill in bills:
            amount = abs(bill.amount_total_signed)
            currency = bill.company_id.currency_id
            fits = rules.filtered(lambda r, b=bill, a=amount, c=currency: r.company_id == b.company_id
                                  and (not r.partner_id or r.partner_id.commercial_partner_id
                                       == b.commercial_partner_id)
                                  and c.compare_amounts(a, r.amount_min) >= 0)
            best = max(fits, key=lambda r: (bool(r.partner_id), r.amount_min, -r.id), default=None)
            out[bill.id] = best.user_id if best else self.env["res.users"]
        return out
