from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..services import compliance, guard, screening

HIT_STATES = [("new", "To review"), ("confirmed", "Confirmed"), ("cleared", "Cleared")]
STRENGTHS = [("strong", "Strong"), ("weak", "Weak")]


class MedsyncScreeningHit(models.Model):
    """A vendor, or one of its principals, that looks like an entry of an
    exclusion or sanctions list, with the evidence: the list file (its
    digest), the line, the scores and what agreed. A compliance officer
    confirms it (the vendor is blocked) or clears it; a cleared hit stays
    cleared until the list entry or the vendor changes."""

    _name = "medsync.screening.hit"
    _description = "MedSync screening hit"
    _inherit = ["medsync.chatter", "medsync.guarded"]
    _order = "date_decided desc, strength, score desc, id desc"
    _medsync_guard_unlink = True
    _medsync_protected = frozenset({
        "partner_id", "subject_id", "entry_id", "list_id", "row", "score", "strength", "evidence", "state",
        "fingerprint", "decided_by_id", "date_decided", "decision_note", "exception_id", "suspended_from",
        "date_found", "date_last_seen", "file_sha256"})

    name = fields.Char(compute="_compute_name")
    partner_id = fields.Many2one("res.partner", "Vendor", required=True, index=True, readonly=True)
    subject_id = fields.Many2one("res.partner", "Screened", required=True, index=True, readonly=True,
                                 help="The vendor itself or one of its principals.")
    entry_id = fields.Many2one("medsync.screening.entry", "List entry", required=True, index=True, readonly=True,
                               context={"active_test": False})
    source = fields.Selection(related="entry_id.source", store=True)
    list_id = fields.Many2one("medsync.screening.list", "List file", readonly=True)
    file_sha256 = fields.Char("File SHA-256", readonly=True)
    row = fields.Integer("Line in the file", readonly=True)
    score = fields.Float(digits=(4, 3), readonly=True)
    strength = fields.Selection(STRENGTHS, required=True, readonly=True, index=True, tracking=True)
    evidence = fields.Text(readonly=True)
    state = fields.Selection(HIT_STATES, default="new", required=True, readonly=True, index=True, tracking=True)
    fingerprint = fields.Char(readonly=True, help="The entry and the vendor as screened: a cleared hit stays "
                                                 "cleared until either changes.")
    decided_by_id = fields.Many2one("res.users", "Decided by", readonly=True)
    date_decided = fields.Datetime("Decided on", readonly=True)
    decision_note = fields.Text("Why", readonly=True)
    exception_id = fields.Many2one("medsync.exception", readonly=True)
    suspended_from = fields.Selection(compliance.STATES, "State before suspension", readonly=True)
    date_found = fields.Datetime("Found on", readonly=True, default=fields.Datetime.now)
    date_last_seen = fields.Datetime("Last seen", readonly=True, default=fields.Datetime.now)

    _sql_constraints = [("subject_entry_uniq", "unique(subject_id, entry_id)", "One hit per screened and entry.")]

    def _compute_name(self):
        for hit in self:
            hit.name = f"{hit.subject_id.name} ~ {hit.entry_id.name} ({hit.source})"

    def action_confirm(self):
        return self._decision_wizard("confirm_hit")

    def action_clear(self):
        return self._decision_wizard("clear_hit")

    def _decision_wizard(self, decision):
        compliance.check_officer(self.env)
        return {"type": "ir.actions.act_window", "res_model": "medsync.compliance.decision", "view_mode": "form",
                "target": "new", "name": _("Confirm the hit") if decision == "confirm_hit" else _("Clear the hit"),
                "context": {"default_hit_ids": self.ids, "default_decision": decision}}

    def _decide(self, decision, note):
        """Confirm (the vendor is blocked) or clear hits, with a reason."""
        compliance.check_officer(self.env)
        note = (note or "").strip()
        if not note:
            raise UserError(_("Say why: a screening decision is recorded with its reason."))
        open_hits = self.filtered(lambda h: h.state == "new" or (decision == "clear_hit" and h.state == "confirmed"))
        if not open_hits:
            raise UserError(_("None of these hits waits for this decision."))
        state = "confirmed" if decision == "confirm_hit" else "cleared"
        guard.privileged(open_hits).write({"state": state, "decided_by_id": self.env.uid,
                                           "date_decided": fields.Datetime.now(), "decision_note": note})
        open_hits._message_log_batch({h.id: self.env._("%(state)s by %(user)s: %(note)s", state=dict(HIT_STATES)[state],
                                              user=self.env.user.name, note=note) for h in open_hits})
        # sudo: the officer closes the exceptions the hits raised, whoever they are assigned to
        open_hits.exception_id.sudo().filtered(lambda e: e.state in ("open", "in_progress"))._set_closed(
            "resolved", _("Screening hit %(state)s: %(note)s", state=dict(HIT_STATES)[state].lower(), note=note))
        vendors = open_hits.partner_id
        if state == "confirmed":
            vendors._medsync_set_compliance("blocked", _("exclusion list match confirmed: %s", note))
        else:
            self._restore_after_clear(vendors, note)
        self.env["medsync.kpi.fact"]._refresh_after("compliance", self.env.company)

    def _restore_after_clear(self, vendors, note):
        """A vendor a screening hit suspended goes back to where it was once
        none of its hits is open any more."""
        still = self.search([("partner_id", "in", vendors.ids), ("state", "in", ("new", "confirmed"))]).partner_id
        for vendor in vendors - still:
            if vendor.medsync_compliance_state != "suspended":
                continue
            cleared = self.search([("partner_id", "=", vendor.id), ("suspended_from", "!=", False)],
                                  order="date_found desc", limit=1)
            if cleared.suspended_from and cleared.suspended_from not in compliance.STOPPED_STATES:
                vendor._medsync_set_compliance(cleared.suspended_from, _("screening hits cleared: %s", note))

    @api.model
    def _cron_screen(self):
        """Monthly (42 CFR 455.436): every vendor and principal against the current lists."""
        return screening.screen(self.env, trigger="cron")

    def action_screen_now(self):
        compliance.check_officer(self.env)
        counts = screening.screen(self.env)
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"title": _("Exclusion screening"), "type": "success",
                           "message": _("%(hits)s hit(s), %(new)s new (%(strong)s strong), %(suspended)s vendor(s) "
                                        "suspended.", **counts),
                           "next": {"type": "ir.actions.client", "tag": "soft_reload"}}}
