import base64

from odoo import fields, models
from odoo.exceptions import UserError

from ..services import compliance, guard, tin_matching
from ..services.screening_lists import decode


class MedsyncTinMatch(models.TransientModel):
    """IRS bulk TIN matching: the request file of the vendors' W-9s, and the
    IRS result file recorded on their W-9 credentials (compliance officers)."""

    _name = "medsync.tin.match"
    _description = "IRS bulk TIN matching"

    request_file = fields.Binary("Request file", readonly=True)
    request_name = fields.Char(default="tin_matching_request.txt")
    result_file = fields.Binary("IRS result file")
    result_name = fields.Char()
    summary = fields.Text(readonly=True)

    def _w9s(self):
        # sudo: the officer reads every vendor's W-9, whatever company the vendor is shared with
        return self.env["medsync.vendor.credential"].sudo().search([("kind", "=", "w9")])

    def action_request(self):
        """The request file: one line per vendor with a W-9 and a tax id."""
        compliance.check_officer(self.env)
        payees, skipped = [], []
        for c in self._w9s():
            tin = self._tin_of(c)
            if not tin:
                skipped.append(c.partner_id.display_name)
                continue
            payees.append((tin_matching.TIN_TYPES["ein"] if c.partner_id.is_company else
                           tin_matching.TIN_TYPES["unknown"], tin, c.partner_id.name,
                           c.partner_id.ref or str(c.partner_id.id)))
        if not payees:
            raise UserError(self.env._("No vendor has a W-9 with a 9-digit tax id to match."))
        summary = self.env._("%s payee(s) in the request file.", len(payees))
        if skipped:
            summary += " " + self.env._("Left out, their tax id has not 9 digits: %s", ", ".join(skipped[:50]))
        self.write({"request_file": base64.b64encode(tin_matching.request_file(payees).encode()),
                    "summary": summary})
        return self._reopen()

    @staticmethod
    def _tin_of(cred):
        return tin_matching.digits(cred.partner_id.vat) or tin_matching.digits(cred.number)

    def action_import(self):
        """Record the IRS result codes on the vendors' W-9s; a code that is not
        a match raises an exception for compliance."""
        compliance.check_officer(self.env)
        data = base64.b64decode(self.result_file or b"")
        try:
            rows = tin_matching.parse_result(decode(data))
        except tin_matching.TinFileError as exc:
            raise UserError(self.env._("This is not an IRS TIN matching result file:\n%s", "\n".join(
                f"line {line}: {msg}" for line, msg in exc.problems[:50]))) from exc
        w9s = self._w9s()
        by_account = {}
        for cred in w9s:
            by_account.setdefault(cred.partner_id.ref or str(cred.partner_id.id), cred)
            by_account.setdefault(str(cred.partner_id.id), cred)
        unknown = [f"line {no}: account {account}" for no, _k, _t, _n, account, _c in rows if account not in by_account]
        if unknown:
            raise UserError(self.env._("These lines name no vendor with a W-9 (account number = the vendor's "
                                       "reference): %s", ", ".join(unknown[:50])))
        other = [f"line {no}: TIN {tin} is not {account}'s ({self._tin_of(by_account[account]) or '-'})"
                 for no, _k, tin, _n, account, _c in rows
                 if tin_matching.digits(tin) != self._tin_of(by_account[account])]
        if other:
            raise UserError(self.env._("These lines answer for another tax id than the vendor's; nothing was "
                                       "recorded: %s", ", ".join(other[:50])))
        today = fields.Date.context_today(self)
        mismatched = []
        for _no, _kind, _tin, _name, account, code in rows:
            cred = by_account[account]
            guard.privileged(cred).write({"tin_match_code": code, "tin_match_date": today})
            if code not in tin_matching.MATCHED:
                mismatched.append(cred)
        # sudo: the exceptions are routed to compliance's team, whatever the officer may write
        self.env["medsync.exception"].sudo()._raise_many([{
            "reason_code": "COMPLIANCE_ONBOARDING", "key": f"tin-match:{c.partner_id.id}:{c.tin_match_code}",
            "name": self.env._("%(vendor)s: IRS TIN matching code %(code)s", vendor=c.partner_id.display_name,
                               code=dict(c._fields["tin_match_code"].selection)[c.tin_match_code]),
            "res_model": "res.partner", "res_id": c.partner_id.id, "partner_id": c.partner_id.id,
        } for c in mismatched])
        self.summary = self.env._("%(n)s result(s) recorded; %(bad)s not matched, each an exception for review.",
                                  n=len(rows), bad=len(mismatched))
        return self._reopen()

    def _reopen(self):
        return {"type": "ir.actions.act_window", "res_model": self._name, "res_id": self.id, "view_mode": "form",
                "target": "new", "name": self.env._("IRS TIN matching")}
