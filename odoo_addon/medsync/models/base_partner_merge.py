from odoo import api, models

from ..services import guard

# MedSync's own records about vendors that must keep pointing at the merged
# (archived) vendors: the review queue is the history of the merge.
KEEP_TABLES = ("medsync_vendor_duplicate", "medsync_vendor_merge_log_res_partner_rel")


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    @api.model
    def _get_fk_on(self, table):
        relations = super()._get_fk_on(table)
        # only MedSync's merge (wizards/medsync_vendor_merge.py, privileged after
        # its steward check) keeps them; Odoo's own merge moves every reference
        if table == "res_partner" and guard.is_privileged(self.env):
            relations = [(t, c) for t, c in relations if t not in KEEP_TABLES]
        return relations
