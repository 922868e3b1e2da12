import logging

from odoo import api, models

from ..services import guard
from ..services.compliance import STOPPED_STATES
from .res_partner import COMPLIANCE_FIELDS, STATE_RANK

_logger = logging.getLogger(__name__)

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

    def _update_values(self, src_partners, dst_partner):
        """A merge keeps the worst compliance state of the vendors it merges
        (a blocked vendor is not laundered by merging it into an approved one);
        the decision record follows the vendor that had that state."""
        merged = src_partners | dst_partner
        worst = min(merged, key=lambda p: STATE_RANK.get(p.medsync_compliance_state, 9))
        keep = {f: worst[f] for f in COMPLIANCE_FIELDS}
        keep["medsync_compliance_by_id"] = worst.medsync_compliance_by_id.id
        # privileged: the merged vendor takes the values Odoo's merge gathers, the compliance fields among them;
        # they are set right just below
        super()._update_values(src_partners, guard.privileged(dst_partner))
        guard.privileged(dst_partner).write(keep)
        if keep["medsync_compliance_state"] in STOPPED_STATES:
            # the merged vendor's open bills (its own and those moved to it) are held as a stopped vendor's are
            self.env["account.move"]._medsync_compliance_hold_vendors(dst_partner,
                                                                      keep["medsync_compliance_note"] or "")

    def _log_merge_operation(self, src_partners, dst_partner):
        """Odoo's mail posts the merge note as the merging user, which fails
        for a user without an e-mail address (a data steward, often): the same
        note is then logged without a notification."""
        if self.env.user.email:
            return super()._log_merge_operation(src_partners, dst_partner)
        _logger.info("(uid = %s) merged the partners %r with %s", self.env.uid, src_partners.ids, dst_partner.id)
        dst_partner._message_log(body=self.env._(
            "Merged with the following partners: %s",
            ", ".join(f"{p.name} <{p.email or 'n/a'}> (ID {p.id})" for p in src_partners)))
        return None

