"""X12 trading partners: the profile on the external system that speaks X12
(ids, qualifiers, version, delimiters, acknowledgements, control numbers),
and the interchanges received and sent, kept for the integration admins.

Which transaction sets flow in which direction is the system's flows: an
inbound ``po_ack`` flow takes 855s, ``asn`` 856s, ``invoice`` 810s,
``price_catalog`` 832s; an outbound ``purchase_order`` flow sends 850s."""

import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..services import x12

QUALIFIERS = [("01", "01 DUNS"), ("08", "08 UCC/EDI comm. id"), ("12", "12 Phone"), ("14", "14 DUNS+4"),
              ("16", "16 DUNS+4 (1)"), ("20", "20 HIN"), ("ZZ", "ZZ Mutually defined"), ("30", "30 US federal tax id")]
ISA_ID_RE = re.compile(r"^[ -~]{1,15}$")
GS_ID_RE = re.compile(r"^[ -~]{2,15}$")
PRODUCT_QUALIFIERS = {"VC", "VN", "VP", "MG", "IN", "UK", "UP", "EN", "HI", "N4", "BP"}


class MedsyncSystem(models.Model):
    _inherit = "medsync.system"

    x12_enabled = fields.Boolean("Speaks X12", help="Takes and sends X12 interchanges (POST .../x12, directory).")
    x12_version = fields.Selection([("4010", "004010"), ("5010", "005010")], "X12 version", default="5010")
    x12_partner_qualifier = fields.Selection(QUALIFIERS, "Partner qualifier (ISA05)", default="ZZ")
    x12_partner_id = fields.Char("Partner interchange id (ISA06)")
    x12_our_qualifier = fields.Selection(QUALIFIERS, "Our qualifier (ISA07)", default="ZZ")
    x12_our_id = fields.Char("Our interchange id (ISA08)")
    x12_gs_partner = fields.Char("Partner GS id (GS02)")
    x12_gs_ours = fields.Char("Our GS id (GS03)")
    x12_element = fields.Char("Element separator", size=1, default="*")
    x12_component = fields.Char("Component separator", size=1, default=">")
    x12_repetition = fields.Char("Repetition separator", size=1, default="^", help="5010 only (ISA11).")
    x12_segment = fields.Char("Segment terminator", size=1, default="~")
    x12_line_breaks = fields.Boolean("Line break after each segment")
    x12_ta1 = fields.Boolean("Send TA1", help="Acknowledge each interchange's envelope with a TA1 "
                                              "(also when the partner asks for one in ISA14).")
    x12_ack_kind = fields.Selection([("997", "997"), ("999", "999")], "Functional acknowledgement", default="997",
                                    help="Many 5010 supply-chain partners still want 997.")
    x12_usage = fields.Selection([("P", "Production"), ("T", "Test")], "We send as (ISA15)", default="P")
    x12_product_qualifiers = fields.Char(
        "Product id qualifiers", default="VN,VC,UK,IN",
        help="In this order, which of a line's product ids names the product MedSync looks up (VC/VN/VP/MG/IN/"
             "UK/UP/EN/HI/N4/BP). GTINs and HIBC codes are checked whatever the order.")
    x12_product_qualifier_out = fields.Selection(
        [("VN", "VN vendor's item number"), ("VC", "VC vendor's catalogue"), ("IN", "IN buyer's item number"),
         ("UK", "UK GTIN")], "Product id sent in 850s", default="VN")
    x12_ship_to_qualifier = fields.Selection(
        [("UL", "UL GLN"), ("21", "21 HIN"), ("11", "11 DEA"), ("1", "1 DUNS"), ("9", "9 DUNS+4"),
         ("91", "91 Assigned by seller"), ("92", "92 Assigned by buyer")], "Ship-to id qualifier", default="92")
    x12_ship_to_id = fields.Char("Ship-to id (N104)")
    x12_tier = fields.Char("Our contract tier", help="832 prices of another tier (CTP01) are not ours; empty: all.")
    x12_inbox = fields.Char("Inbound directory", help="Below the X12 root (ir.config_parameter medsync.x12_root); "
                                                      "files are picked up every few minutes.")
    x12_outbox = fields.Char("Outbound directory", help="Below the X12 root: 850s and acknowledgements are written "
                                                        "there; empty: POSTed to the webhook.")
    x12_ack_hours = fields.Integer("997 expected within (hours)", default=4)
    # our control numbers, taken under a row lock (services/x12.next_controls)
    x12_next_isa = fields.Integer("Next ISA13", default=1, copy=False)
    x12_next_gs = fields.Integer("Next GS06", default=1, copy=False)
    x12_next_st = fields.Integer("Next ST02", default=1, copy=False)
    x12_last_isa_in = fields.Integer("Last ISA13 received", copy=False, readonly=True)
    x12_interchange_count = fields.Integer(compute="_compute_x12_count")

    @api.constrains("x12_enabled", "x12_partner_id", "x12_our_id", "x12_gs_partner", "x12_gs_ours", "x12_element",
                    "x12_component", "x12_repetition", "x12_segment", "x12_product_qualifiers", "x12_inbox",
                    "x12_outbox")
    def _check_x12(self):
        for system in self.filtered("x12_enabled"):
            problems = []
            for field in ("x12_partner_id", "x12_our_id"):
                if not ISA_ID_RE.match(system[field] or ""):
                    problems.append(self.env._("%s: 1 to 15 printable characters.", self._fields[field].string))
            for field in ("x12_gs_partner", "x12_gs_ours"):
                if not GS_ID_RE.match(system[field] or ""):
                    problems.append(self.env._("%s: 2 to 15 printable characters.", self._fields[field].string))
            seps = [system.x12_element, system.x12_component, system.x12_segment]
            if system.x12_version == "5010":
                seps.append(system.x12_repetition)
            if any(not s or len(s) != 1 or s.isalnum() or s == " " for s in seps) or len(set(seps)) != len(seps):
                problems.append(self.env._("Separators: one character each, all different, neither a letter, "
                                           "a digit nor a space."))
            bad = {q.strip() for q in (system.x12_product_qualifiers or "").split(",")} - PRODUCT_QUALIFIERS
            if bad:
                problems.append(self.env._("Unknown product qualifier(s): %s.", ", ".join(sorted(bad))))
            for field in ("x12_inbox", "x12_outbox"):
                if system[field] and x12.directory(self.env, system[field]) is None:
                    problems.append(self.env._("%s must be a relative path below the X12 root.",
                                               self._fields[field].string))
            if problems:
                raise ValidationError("\n".join([self.env._("X12 profile of %s:", system.name), *problems]))

    @api.constrains("x12_next_isa", "x12_next_gs", "x12_next_st")
    def _check_x12_controls(self):
        for system in self:
            if not all(1 <= n <= 999999999 for n in (system.x12_next_isa, system.x12_next_gs, system.x12_next_st)):
                raise ValidationError(self.env._("%s: X12 control numbers run from 1 to 999,999,999.", system.name))

    def write(self, vals):
        """Control numbers move forward only: one sent is never sent again."""
        for fname in ("x12_next_isa", "x12_next_gs", "x12_next_st"):
            if fname in vals:
                for system in self:
                    if int(vals[fname] or 0) < system[fname]:
                        raise ValidationError(self.env._(
                            "%(system)s: %(field)s moves forward only (now %(now)s): numbers below it were sent.",
                            system=system.name, field=self._fields[fname].string, now=system[fname]))
        return super().write(vals)

    def _compute_x12_count(self):
        counts = dict(self.env["medsync.x12.interchange"]._read_group([("system_id", "in", self.ids)], ["system_id"],
                                                                      ["__count"]))
        for system in self:
            system.x12_interchange_count = counts.get(system, 0)

    def action_open_x12(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("medsync.action_medsync_x12_interchange")
        action["domain"] = [("system_id", "=", self.id)]
        return action

    def action_x12_pick_up(self):
        """Read the inbound directory now (the scheduled action does it every few minutes)."""
        self._check_admin()
        for system in self:
            x12.sweep_directory(system)
        return True


class MedsyncX12Interchange(models.Model):
    """One X12 interchange received or sent: its envelope, what became of
    each transaction set, its acknowledgement. Integration admins only: the
    raw interchange holds prices and ids; buyers and AP see the documents it
    became on their orders and bills."""

    _name = "medsync.x12.interchange"
    _description = "X12 interchange"
    _inherit = ["medsync.guarded"]
    _order = "id desc"
    _medsync_protected = frozenset({
        "system_id", "company_id", "direction", "control", "sender", "receiver", "date", "usage", "version",
        "group_controls", "set_count", "accepted_count", "rejected_count", "state", "ack_state", "ack_due",
        "ack_code", "ack_detail", "raw_attachment_id", "ack_attachment_id", "message_ids", "duplicate", "gap",
        "source", "errors", "envelope_rejected"})
    _medsync_guard_unlink = True

    name = fields.Char(compute="_compute_name")
    system_id = fields.Many2one("medsync.system", required=True, readonly=True, index=True, ondelete="restrict")
    company_id = fields.Many2one(related="system_id.company_id", store=True)
    direction = fields.Selection([("inbound", "Received"), ("outbound", "Sent")], required=True, readonly=True)
    source = fields.Char(readonly=True, help="API, or the file it was read from.")
    control = fields.Char("ISA13", readonly=True, index=True)
    sender = fields.Char(readonly=True)
    receiver = fields.Char(readonly=True)
    date = fields.Date(readonly=True)
    usage = fields.Selection([("P", "Production"), ("T", "Test")], readonly=True)
    version = fields.Char(readonly=True)
    group_controls = fields.Char("GS06", readonly=True)
    set_count = fields.Integer("Sets", readonly=True)
    accepted_count = fields.Integer("Accepted", readonly=True)
    rejected_count = fields.Integer("Rejected", readonly=True)
    state = fields.Selection([("accepted", "Accepted"), ("partial", "Partly accepted"), ("rejected", "Rejected"),
                              ("test", "Test (not applied)"), ("sent", "Sent")], readonly=True, index=True)
    errors = fields.Text(readonly=True)
    duplicate = fields.Boolean("Control number seen before", readonly=True)
    gap = fields.Boolean("Control number gap", readonly=True)
    envelope_rejected = fields.Boolean("Refused whole (TA1 R)", readonly=True,
                                       help="Its control number may come again: the partner resends it.")
    ack_state = fields.Selection([("none", "Not expected"), ("waiting", "Waiting"), ("accepted", "Accepted"),
                                  ("rejected", "Rejected"), ("overdue", "Overdue")], "Partner's 997",
                                 default="none", readonly=True, index=True)
    ack_due = fields.Datetime(readonly=True)
    ack_code = fields.Char("Acknowledgement code", readonly=True)
    ack_detail = fields.Text(readonly=True)
    raw_attachment_id = fields.Many2one("ir.attachment", "Interchange", readonly=True, ondelete="set null")
    ack_attachment_id = fields.Many2one("ir.attachment", "Acknowledgement", readonly=True, ondelete="set null")
    message_ids = fields.One2many("medsync.message", "x12_interchange_id", "Messages", readonly=True)

    @api.depends("direction", "control", "system_id")
    def _compute_name(self):
        for rec in self:
            rec.name = f"{rec.system_id.code or ''} {'in' if rec.direction == 'inbound' else 'out'} {rec.control or ''}"


    def _cron_x12(self):
        return x12.cron(self.env)

    def action_view_raw(self):
        """The raw interchange, downloaded (integration admins only, as the record)."""
        self.ensure_one()
        att = self.raw_attachment_id
        if not att:
            return False
        return {"type": "ir.actions.act_url", "url": f"/web/content/{att.id}?download=true", "target": "self"}
