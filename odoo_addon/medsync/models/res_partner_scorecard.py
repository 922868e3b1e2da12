"""The vendor's supplier scorecard on its form: standing and score of its latest
month in the current company, a button to its scorecard (the dashboard with
its trends) and the printable review."""

from odoo import fields, models

from ..services import scorecard


class ResPartnerScorecard(models.Model):
    _inherit = "res.partner"

    medsync_scorecard_standing = fields.Selection(scorecard.STANDINGS, "Supplier standing",
                                                  compute="_compute_medsync_scorecard")
    medsync_scorecard_score = fields.Float("Supplier score", digits=(16, 1), compute="_compute_medsync_scorecard")
    medsync_scorecard_month = fields.Date("Scorecard month", compute="_compute_medsync_scorecard")

    def _compute_medsync_scorecard(self):
        # sudo: the standing is what the gate acts on; any user who sees the vendor (or writes it an order) may
        # see it, whether or not they may open the scorecard rows
        found = scorecard.latest(self.env(su=True), self.env.company, set(self.commercial_partner_id.ids))
        for partner in self:
            standing, score, month = found.get(partner.commercial_partner_id.id, (False, None, False))
            partner.medsync_scorecard_standing = standing
            partner.medsync_scorecard_score = score or 0.0
            partner.medsync_scorecard_month = month

    def action_medsync_scorecard(self):
        """The vendor's scorecard: the scorecard dashboard narrowed to this vendor."""
        self.ensure_one()
        vendor = self.commercial_partner_id
        return {
            "type": "ir.actions.client",
            "tag": "medsync.dashboard",
            "name": self.env._("Scorecard: %s", vendor.display_name),
            "params": {"role": "scorecard", "vendor_id": vendor.id},
            "context": {"medsync_role": "scorecard", "medsync_vendor_id": vendor.id},
        }

    def action_medsync_scorecard_print(self):
        self.ensure_one()
        return self.env.ref("medsync.action_report_medsync_scorecard").report_action(self.commercial_partner_id)

    def _medsync_scorecard_review(self, months=12):
        """What the printed review shows: the vendor's last ``months`` months in the current company (oldest
        first), the quarter's totals, each component's definition."""
        self.ensure_one()
        company = self.env.company
        rows = self.env["medsync.scorecard"].search(
            [("company_id", "=", company.id), ("partner_id", "=", self.commercial_partner_id.id),
             ("category_id", "=", False)], order="month desc", limit=months)
        rows = rows.sorted("month")
        quarter = rows[-3:]

        def rate(num, den):
            total = sum(quarter.mapped(den))
            return 100.0 * sum(quarter.mapped(num)) / total if total else None

        totals = {
            **{key: rate(num, den) for key, (num, den) in scorecard.RATES.items()},
            "lines_due": sum(quarter.mapped("lines_due")),
        }
        categories = self.env["medsync.scorecard"].search(
            [("company_id", "=", company.id), ("partner_id", "=", self.commercial_partner_id.id),
             ("category_id", "!=", False), ("month", "in", quarter.mapped("month"))])
        by_category = {}
        for row in categories:
            c = by_category.setdefault(row.category_id, {"due": 0, "otif": 0, "billed": 0, "accurate": 0})
            c["due"] += row.lines_due
            c["otif"] += row.lines_otif
            c["billed"] += row.bill_lines
            c["accurate"] += row.bill_accurate
        lang = self.env.lang or "en_US"
        return {
            "company": company, "rows": rows, "quarter": quarter, "totals": totals, "latest": rows[-1:],
            "categories": sorted(by_category.items(), key=lambda kv: kv[0].display_name),
            "definitions": {k: v._translate(lang) for k, v in scorecard.METRICS.items()},
            "weights": [(label._translate(lang), company[name]) for _key, name, label in scorecard.COMPONENTS],
            "standings": dict(scorecard.STANDINGS),
        }
