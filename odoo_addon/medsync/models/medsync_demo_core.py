from datetime import timedelta

from odoo import api, fields, models

from ..services import guard


class MedsyncDemoCore(models.AbstractModel):
    _inherit = "medsync.demo"

    @api.model
    def _create_core_demo(self):
        """A nightly health check's run and the exceptions it raised, one of
        them already in progress with the buyer."""
        ref = self.env.ref
        run = guard.privileged(self.env["medsync.run"]).create({
            "engine": "core", "trigger": "cron", "scope": "nightly health check, 7 products, 5 departments",
            "state": "done", "input_count": 18, "exception_count": 2, "fetch_seconds": 0.012,
            "compute_seconds": 0.003, "write_seconds": 0.020, "total_seconds": 0.035})
        Exc = guard.privileged(self.env["medsync.exception"])
        reason = ref("medsync.reason_core_manual")
        yesterday = fields.Datetime.now().replace(hour=9, minute=0, second=0) - timedelta(days=1)
        Exc.create([{
            "name": "Expired saline NACL-2502 still on the Pharmacy shelf", "reason_id": reason.id,
            "severity": "high", "product_id": ref("medsync.product_saline").id,
            "owner_user_id": ref("medsync.user_inventory").id, "owner_team_id": ref("medsync.team_warehouse").id,
            "run_id": run.id, "amount": 8.10, "date_due": yesterday,
            "description": "Lot NACL-2502 expired 5 days ago; 6 bags are still recorded in Pharmacy.",
        }, {
            "name": "IV cannula lot IVC-5512 expires in 30 days: 216 units on hand", "reason_id": reason.id,
            "severity": "medium", "product_id": ref("medsync.product_cannula").id,
            "owner_team_id": ref("medsync.team_warehouse").id, "run_id": run.id, "amount": 421.20,
        }, {
            "name": "Confirm consignment terms for coronary stents with Nordic Surgical", "reason_id": reason.id,
            "severity": "low", "state": "in_progress", "partner_id": ref("medsync.vendor_nordic").id,
            "owner_user_id": ref("medsync.user_buyer").id, "owner_team_id": ref("medsync.team_buyers").id,
        }])
        return run
