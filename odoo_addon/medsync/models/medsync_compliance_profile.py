from odoo import fields, models

REQUIREMENT_KINDS = [
    ("w9", "W-9 and TIN match"),
    ("insurance", "Certificate of insurance"),
    ("baa", "Business associate agreement"),
    ("license", "State licence"),
    ("dea", "DEA registration"),
    ("ownership", "Ownership disclosure"),
    ("other", "Other document"),
]


class MedsyncComplianceProfile(models.Model):
    """What a category of vendors must provide before the hospital buys from
    them (medical-surgical supplies, pharmaceuticals and controlled
    substances, services touching patient data, implants, capital equipment...)."""

    _name = "medsync.compliance.profile"
    _description = "MedSync vendor requirement profile"
    _inherit = ["medsync.tracked.settings"]
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True, tracking=True)
    code = fields.Char(required=True, tracking=True, help="The category code the supplier portal sends.")
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one("res.company", tracking=True, help="Empty: every company.")
    description = fields.Text(translate=True)
    requirement_ids = fields.One2many("medsync.compliance.requirement", "profile_id", "Requirements", copy=True)
    vendor_count = fields.Integer(compute="_compute_vendor_count")
    active = fields.Boolean(default=True, tracking=True)

    _sql_constraints = [("code_uniq", "unique(code, company_id)", "A profile code must be unique per company.")]

    def _compute_vendor_count(self):
        counts = dict(self.env["res.partner"]._read_group(
            [("medsync_compliance_profile_id", "in", self.ids)], ["medsync_compliance_profile_id"], ["__count"]))
        for profile in self:
            profile.vendor_count = counts.get(profile, 0)

    def action_vendors(self):
        self.ensure_one()
        return {"type": "ir.actions.act_window", "res_model": "res.partner", "name": self.name,
                "view_mode": "list,form", "domain": [("medsync_compliance_profile_id", "=", self.id)]}


class MedsyncComplianceRequirement(models.Model):
    _name = "medsync.compliance.requirement"
    _description = "MedSync vendor requirement"
    _inherit = ["medsync.tracked.settings"]
    _order = "profile_id, sequence, id"

    profile_id = fields.Many2one("medsync.compliance.profile", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True, tracking=True)
    code = fields.Char(required=True, tracking=True,
                       help="The requirement code the supplier portal and the credentialing platform send.")
    kind = fields.Selection(REQUIREMENT_KINDS, required=True, default="other", tracking=True)
    mandatory = fields.Boolean(
        default=True, tracking=True,
        help="A vendor is approved only with a valid credential for it; an approved vendor whose credential "
             "lapses is not clear for the purchasing gate until it is renewed.")
    validity_months = fields.Integer(
        "Valid for (months)", tracking=True, help="How long a credential stays valid when it names no end date; 0: "
        "until revoked.")
    min_coverage = fields.Monetary("Minimum coverage", currency_field="currency_id", tracking=True,
                                   help="Insurance: the least coverage per occurrence the certificate must show.")
    currency_id = fields.Many2one("res.currency", default=lambda self: self.env.company.currency_id)

    _sql_constraints = [("code_uniq", "unique(profile_id, code)", "A requirement code must be unique per profile.")]
