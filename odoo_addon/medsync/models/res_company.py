from odoo import fields, models

from ..services import scorecard

GATE_MODES = [("warn", "Warn"), ("block", "Block")]


def _shown(value):
    return value.display_name if isinstance(value, models.BaseModel) else repr(value)


SECRET_SETTINGS = {"medsync_billing_key"}  # audited as changed, never with its value


class ResCompany(models.Model):
    _inherit = "res.company"

    medsync_dedupe_block = fields.Boolean(
        "Block duplicate tax ids and bank accounts", default=True,
        help="Refuse to save a vendor with the tax id, or a bank account with the number, of another vendor.",
    )
    medsync_dedupe_spend_threshold = fields.Monetary(
        "High-spend vendor threshold", currency_field="currency_id", default=100000.0,
        help="Vendors billed at least this much over 365 days are protected against lookalike names.",
    )
    # match probabilities (0..1), not bits: the model's weights are learned, the
    # thresholds say how sure it must be (new fields; nothing stored in bits before)
    medsync_dedupe_likely_probability = fields.Float(
        "Likely duplicate from", default=0.5, digits=(16, 4),
        help="Match probability from which a pair is a likely duplicate (clustered, shown first).",
    )
    medsync_dedupe_possible_probability = fields.Float(
        "Possible duplicate from", default=0.1, digits=(16, 4),
        help="Match probability from which a pair enters the review queue, and the check at vendor creation warns.",
    )
    medsync_exception_sla_hours = fields.Integer(
        "Exception SLA (hours)", default=48,
        help="Time to resolve an exception when its reason code sets none.",
    )
    medsync_default_team_id = fields.Many2one(
        "medsync.team", "Default exception team",
        help="Owns exceptions whose reason code names no team and no owner.",
    )
    medsync_chunk_size = fields.Integer(
        "Bulk chunk size", default=5000,
        help="Rows per engine call and per queued job in bulk runs.",
    )
    medsync_run_retention_days = fields.Integer(
        "Keep runs (days)", default=180, help="Runs older than this are removed; 0 keeps them forever.",
    )

    medsync_hold_blocks_posting = fields.Boolean(
        "Held bills cannot be posted", help="Besides blocking payment, a MedSync hold also blocks posting.",
    )
    medsync_match_before_payment = fields.Boolean(
        "Match every bill before it is posted or paid",
        help="Vendor bills are matched when they are posted, and a bill nobody matched yet is matched before a "
             "payment: no bill is paid without MedSync having looked at it. Off when MedSync is installed on a "
             "live database (nothing stops on the day of installation); the nightly re-match covers the rest.",
    )
    medsync_no_po_policy = fields.Selection(
        [("approval", "Approval"), ("hold", "Hold")], "Bills without a purchase order",
        default="approval", required=True,
        help="What matching does with a bill line no purchase order covers (utilities, services, rent...).\n"
             "Approval: the bill is not held, but it is not paid before it is approved; it shows "
             "\"No PO: to approve\" and an "
             "exception (MATCH_NO_PO_APPROVAL) goes to the approver that MedSync › Configuration › No-PO "
             "approvers names for the vendor and amount (default: the AP team and its AP managers). \"Approve "
             "without PO\" on the bill records who approved and when; the approval stands while the bill's "
             "lines stay as approved.\n"
             "Hold: the bill is put on payment hold (MATCH_NO_PO, routed to the buyers) until a purchase order "
             "is linked or an AP manager releases the hold.",
    )

    medsync_compliance_gate = fields.Boolean(
        "Vendor compliance gate",
        help="Stop (or warn about) orders, bills and payments for vendors that are not approved. Off when MedSync "
             "is installed: existing vendors start approved (legacy) and nothing stops until a company switches "
             "it on. Suspended and blocked vendors are stopped whatever this setting.")
    medsync_gate_po = fields.Selection(
        GATE_MODES, "Confirming a purchase order", default="block", required=True,
        help="Block: refused for a vendor that is not approved. Warn: goes through with a note on the order and "
             "an exception for compliance.")
    medsync_gate_bill = fields.Selection(GATE_MODES, "Posting a vendor bill", default="block", required=True)
    medsync_gate_payment = fields.Selection(GATE_MODES, "Paying a vendor bill", default="block", required=True)

    # supplier scorecards (services/scorecard.py): how the figures are measured, weighed and acted on
    medsync_scorecard_target = fields.Selection(
        scorecard.TARGETS, "On time against", default="first_promised", required=True,
        help="The date a line must arrive by: its planned date when the order was confirmed (first promised), or "
             "the last delivery date the vendor acknowledged (a vendor that moves its dates is then judged on its "
             "latest promise).")
    medsync_scorecard_early_days = fields.Integer("Early tolerance (days)", default=3,
                                                  help="A receipt this many days before the target is on time.")
    medsync_scorecard_late_days = fields.Integer("Late tolerance (days)", default=0,
                                                 help="A receipt this many days after the target is on time.")
    medsync_scorecard_qty_tolerance = fields.Float("Quantity tolerance (%)", default=0.0, digits=(5, 2),
                                                   help="In full: received within this share of the ordered "
                                                        "quantity, either way.")
    medsync_scorecard_price_tolerance = fields.Float("Price tolerance (%)", default=0.0, digits=(5, 2))
    medsync_scorecard_ack_hours = fields.Integer("Acknowledgement target (hours)", default=24)
    medsync_scorecard_w_otif = fields.Integer("Weight: on time in full", default=30)
    medsync_scorecard_w_fill = fields.Integer("Weight: fill rate", default=15)
    medsync_scorecard_w_ack = fields.Integer("Weight: acknowledged in time", default=10)
    medsync_scorecard_w_asn = fields.Integer("Weight: ship notice accuracy", default=10)
    medsync_scorecard_w_price = fields.Integer("Weight: price accuracy", default=15)
    medsync_scorecard_w_match = fields.Integer("Weight: first-pass match", default=10)
    medsync_scorecard_w_returns = fields.Integer("Weight: no returns", default=5)
    medsync_scorecard_w_backorders = fields.Integer("Weight: no backorders", default=5)
    medsync_scorecard_decay = fields.Float(
        "Decay per month back", default=0.7, digits=(3, 2),
        help="How much a month weighs in the score against the month after it (1: every month of the window "
             "counts the same).")
    medsync_scorecard_window = fields.Integer("Months blended in a score", default=6)
    medsync_scorecard_months = fields.Integer("Months recomputed", default=24,
                                              help="How many months back a refresh recomputes; older months are "
                                                   "kept as they were stored.")
    medsync_scorecard_excellent = fields.Float("Excellent from", default=90.0, digits=(5, 1))
    medsync_scorecard_good = fields.Float("Good from", default=80.0, digits=(5, 1))
    medsync_scorecard_poor = fields.Float("Poor from", default=65.0, digits=(5, 1),
                                          help="Below this score a vendor is very poor.")
    medsync_scorecard_min_lines = fields.Integer("Lines due to be rated", default=5,
                                                 help="A vendor with fewer lines due in the window is not rated.")
    medsync_scorecard_gate_poor = fields.Selection(
        scorecard.GATE_MODES, "New orders to a poor vendor", default="warn", required=True,
        help="Warn: the buyer sees the standing on the order and its confirmation is noted in the order's "
             "chatter. Block: confirmation is refused unless a compliance officer overrides it for the order.")
    medsync_scorecard_gate_very_poor = fields.Selection(
        scorecard.GATE_MODES, "New orders to a very poor vendor", default="warn", required=True)
    medsync_scorecard_stale = fields.Boolean(
        "Scorecards to rebuild", readonly=True,
        help="A measuring setting changed: the next refresh recomputes every vendor.")
    # billing to the ledger
    medsync_facility_code = fields.Char(
        "Billing facility code", help="The billing platform's facility code of this company (or branch): its "
                                      "lines post into this company.")
    medsync_billing_key = fields.Char(
        "Billing reference key", groups="base.group_system", copy=False,
        help="Key of the keyed hashes that replace the payer and encounter references of billing lines. Made on "
             "first use; never shown in a message or the audit trail.")

    def write(self, vals):
        """A change of a MedSync setting (a control switched off, a threshold
        moved) is kept in MedSync's audit trail: who, when, old and new value."""
        names = sorted(n for n in vals if n.startswith("medsync_"))
        before = {c.id: {n: c[n] for n in names} for c in self} if names else {}
        measuring = {n for n in names if n.startswith("medsync_scorecard_")} - {
            "medsync_scorecard_gate_poor", "medsync_scorecard_gate_very_poor", "medsync_scorecard_stale"}
        if measuring:
            vals = dict(vals, medsync_scorecard_stale=True)
        res = super().write(vals)
        for company in self if names else ():
            changes = [f"{self._fields[n].string}: {_shown(before[company.id][n])} → {_shown(company[n])}"
                       if n not in SECRET_SETTINGS else f"{self._fields[n].string}: changed"
                       for n in names if before[company.id][n] != company[n]]
            if changes:
                self.env["medsync.audit"].with_company(company)._log("settings", company, "; ".join(changes))
        return res

    _sql_constraints = [
        ("medsync_chunk_size_positive", "CHECK(medsync_chunk_size > 0)", "The bulk chunk size must be positive."),
        ("medsync_sla_positive", "CHECK(medsync_exception_sla_hours > 0)", "The exception SLA must be positive."),
        ("medsync_dedupe_probabilities",
         "CHECK(medsync_dedupe_possible_probability > 0 AND medsync_dedupe_possible_probability "
         "<= medsync_dedupe_likely_probability AND medsync_dedupe_likely_probability < 1)",
         "Duplicate thresholds are match probabilities between 0 and 100 %, \"possible\" at most \"likely\"."),
    ]
