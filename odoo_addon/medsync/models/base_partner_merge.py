from odoo import api, models

# MedSync's own records about vendors that must keep pointing at the merged
# (archived) vendors: the review queue is the history of the merge.
KEEP_TABLES = ("medsync_vendor_duplicate", "medsync_vendor_merge_log_res_partner_rel")


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    @api.model
    def _get_fk_on(self, table):
        relations = super()._get_fk_on(table)
        if table == "res_partner" and self.env.context.get("medsync_merge"):
            relations = [(t, c) for t, c in relations if t not in KEEP_TABLES]
        return relations
