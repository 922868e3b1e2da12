"""The message store: every inbound and outbound message, persisted before
anything acts on it, processed exactly once in effect.

Life cycle::

    received -> queued -> processing -> done
                     \\-> retrying (transient error, backoff) -> ... -> dead
                     \\-> dead (permanent error, or attempts used up)
    rejected: refused at the door (invalid document); kept for the record
    cancelled: an admin decided it must not be processed

The effect of a message and its ``done`` state commit in one transaction, so a
worker that dies half-way leaves the message queued and nothing done."""

import base64

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..services import guard, hub, hub_base

STATES = [("received", "Received"), ("queued", "Queued"), ("processing", "Processing"), ("done", "Done"),
          ("failed", "Failed"), ("retrying", "Retrying"), ("dead", "Dead letter"), ("rejected", "Rejected"),
          ("cancelled", "Cancelled")]
WAITING = ("received", "queued", "retrying", "failed")
PAYLOAD_GROUPS = "medsync.group_medsync_integration,medsync.group_medsync_hub_client"


class MedsyncMessage(models.Model):
    _name = "medsync.message"
    _description = "MedSync integration message"
    _inherit = ["medsync.guarded"]
    _order = "id desc"
    _rec_name = "name"
    # what was received and what became of it: written by the hub and the admins' operations only
    _medsync_protected = frozenset({
        "direction", "system_id", "flow_id", "company_id", "doc_type", "schema_version", "idempotency_key",
        "refused_key", "key_expires", "external_ref", "payload", "payload_attachment_id", "payload_hash",
        "payload_size", "state", "attempts", "next_attempt", "error_code", "error_message", "received_at", "done_at",
        "processing_seconds", "latency_seconds", "response_status", "response_body", "job_uuid", "parent_id",
        "source_model", "source_id", "node", "x12_interchange_id"})
    _medsync_guard_unlink = True

    name = fields.Char(compute="_compute_name")
    direction = fields.Selection([("inbound", "Inbound"), ("outbound", "Outbound")], required=True, readonly=True,
                                 index=True)
    system_id = fields.Many2one("medsync.system", required=True, readonly=True, index=True, ondelete="restrict")
    flow_id = fields.Many2one("medsync.flow", readonly=True, index=True, ondelete="restrict")
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    doc_type = fields.Char("Document", required=True, readonly=True, index=True)
    schema_version = fields.Integer(readonly=True, default=1)
    idempotency_key = fields.Char(readonly=True, copy=False,
                                  help="Unique per system while kept; cleared when the retention period ends.")
    refused_key = fields.Char("Key given", readonly=True, help="The key of a rejected request (not reserved).")
    key_expires = fields.Datetime("Key kept until", readonly=True)
    external_ref = fields.Char("External reference", readonly=True, index=True)
    # the document itself (bank accounts, prices, personal data): integration admins and the sending system only
    payload = fields.Text(readonly=True, help="The normalised document (large ones are kept as an attachment).",
                          groups=PAYLOAD_GROUPS)
    payload_attachment_id = fields.Many2one("ir.attachment", readonly=True, ondelete="set null",
                                            groups=PAYLOAD_GROUPS)
    payload_hash = fields.Char(readonly=True, help="SHA-256 of the canonical document.")
    payload_size = fields.Integer("Size (bytes)", readonly=True)
    state = fields.Selection(STATES, required=True, default="received", readonly=True, index=True)
    attempts = fields.Integer(readonly=True)
    next_attempt = fields.Datetime(readonly=True, index=True)
    error_code = fields.Char(readonly=True, index=True)
    error_message = fields.Text(readonly=True)
    received_at = fields.Datetime(readonly=True, default=fields.Datetime.now, index=True)
    done_at = fields.Datetime(readonly=True)
    processing_seconds = fields.Float(readonly=True, digits=(16, 4), aggregator="avg")
    latency_seconds = fields.Float("Received to done (s)", readonly=True, digits=(16, 3), aggregator="avg")
    node = fields.Char("Processed on", readonly=True, help="The Odoo node whose job processed it last.")
    response_status = fields.Integer("First response status", readonly=True)
    response_body = fields.Text("First response", readonly=True, groups=PAYLOAD_GROUPS)
    job_uuid = fields.Char(readonly=True, index="btree_not_null")
    link_ids = fields.One2many("medsync.message.link", "message_id", "Records", readonly=True)
    parent_id = fields.Many2one("medsync.message", "Replay of", readonly=True)
    source_model = fields.Char(readonly=True, help="Outbound: the record the message is about.")
    source_id = fields.Many2oneReference(model_field="source_model", readonly=True)
    x12_interchange_id = fields.Many2one("medsync.x12.interchange", "X12 interchange", readonly=True, index=True,
                                         ondelete="set null", groups="medsync.group_medsync_integration")

    _sql_constraints = [
        ("idempotency_uniq", "unique(system_id, idempotency_key)",
         "An idempotency key is used once per system."),
    ]

    def init(self):
        self.env.cr.execute("""CREATE INDEX IF NOT EXISTS medsync_message_due_idx ON medsync_message
                               (next_attempt) WHERE state IN ('queued', 'retrying')""")

    @api.depends("doc_type", "external_ref")
    def _compute_name(self):
        for msg in self:
            msg.name = f"{msg.doc_type or ''} {msg.external_ref or msg.idempotency_key or msg.id or ''}".strip()

    # ------------------------------------------------------------------ payload

    @api.model
    def _payload_values(self, text):
        """Small payloads in the row, large ones in an attachment (written by the caller)."""
        size = len(text.encode())
        if size <= hub.INLINE_PAYLOAD_BYTES:
            return {"payload": text, "payload_size": size}, None
        return {"payload": False, "payload_size": size}, text

    def _attach_payload(self, text):
        # sudo: the payload attachment belongs to the message; as the attachment of a field (res_field) it is
        # readable by those who may read that field only (ir.attachment checks the field's groups)
        att = self.env["ir.attachment"].sudo().create({
            "name": f"{self.doc_type}-{self.id}.json", "raw": text.encode(), "mimetype": "application/json",
            "res_model": self._name, "res_id": self.id, "res_field": "payload_attachment_id"})
        guard.privileged(self).payload_attachment_id = att
        return att

    def _payload_text(self):
        self.ensure_one()
        if self.payload:
            return self.payload
        if self.payload_attachment_id:
            return base64.b64decode(self.payload_attachment_id.sudo().datas or b"").decode()  # sudo: see above
        return ""

    # ------------------------------------------------------------------ processing

    def _hub_process(self):
        """The job: process due messages of these ids (one, usually)."""
        return hub.process(self)

    def _enqueue(self, eta=None, criticality=None, together=False):
        """A job per message (or, ``together``, one job for these messages of
        one flow, as a batch request sends them), in the channel of the flow's
        criticality. The job row carries no chatter (it is one of thousands);
        the messages learn their job's uuid in one statement."""
        quiet = self.with_context(tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True,
                                  mail_notrack=True)
        uuids = []
        for group in ([quiet] if together else quiet):
            if not group:
                continue
            crit = criticality or group[:1].flow_id.criticality or "batch"
            label = (f"{len(group)} messages" if len(group) > 1
                     else f"{group.doc_type} {group.external_ref or group.id}")
            job = group.with_delay(
                channel=hub_base.CHANNELS[crit], eta=eta, priority=hub_base.PRIORITY[crit], max_retries=1,
                description=f"MedSync hub: {label}",
            )._hub_process()
            uuids += [(mid, job.uuid) for mid in group.ids]
        if uuids:
            self.flush_recordset()
            self.env.cr.execute(SQL(
                "UPDATE medsync_message m SET job_uuid = v.uuid FROM (VALUES %s) AS v(id, uuid) WHERE m.id = v.id",
                SQL(", ").join(SQL("(%s, %s)", i, u) for i, u in uuids)))
            self.invalidate_recordset(["job_uuid"])
        return dict(uuids)

    # ------------------------------------------------------------------ admin actions

    def _check_admin(self):
        if not self.env.user.has_group("medsync.group_medsync_integration"):
            raise UserError(_("Only an integration admin replays, requeues or cancels messages."))

    def action_open_operation(self):
        self._check_admin()
        return {"type": "ir.actions.act_window", "res_model": "medsync.message.operation", "view_mode": "form",
                "target": "new", "context": {"default_message_ids": self.ids,
                                             "default_operation": self.env.context.get("operation", "requeue")}}

    def _operate(self, operation, reason):
        """requeue: a dead/failed/retrying message goes back to the queue now;
        replay: a new message with the same payload (a done one processed again,
        e.g. after master data were fixed); cancel: never process it;
        dead: move to the dead letters by hand."""
        self._check_admin()
        if not (reason or "").strip():
            raise UserError(_("Say why: the reason is kept in the audit trail."))
        allowed = {"requeue": ("dead", "failed", "retrying", "queued"), "replay": ("done", "dead", "cancelled"),
                   "cancel": ("queued", "retrying", "failed", "dead", "received"),
                   "dead": ("queued", "retrying", "failed", "received")}[operation]
        wrong = self.filtered(lambda m: m.state not in allowed)
        if wrong:
            raise UserError(_("%(op)s applies to messages in state %(states)s; not to %(names)s.", op=operation,
                              states=", ".join(allowed), names=", ".join(wrong.mapped("display_name"))))
        # sudo: the admin acts on messages owned by technical users; rights checked above, reason audited below
        msgs = guard.privileged(self.sudo())
        result = msgs
        if operation == "requeue":
            msgs.write({"state": "queued", "next_attempt": fields.Datetime.now(), "error_code": False})
            msgs._enqueue()
        elif operation == "cancel":
            msgs.write({"state": "cancelled", "next_attempt": False})
        elif operation == "dead":
            msgs.write({"state": "dead", "next_attempt": False, "error_code": "MANUAL",
                        "error_message": reason})
        else:
            result = msgs._replay()
        self.env["medsync.audit"]._log(f"message_{operation}", self, reason, system=self.system_id[:1])
        return result

    def _replay(self):
        copies = self.browse()
        now = fields.Datetime.now()
        for msg in self:
            text = msg._payload_text()
            vals, big = self._payload_values(text)
            copy = guard.privileged(self).create({
                **vals, "direction": msg.direction, "system_id": msg.system_id.id, "flow_id": msg.flow_id.id,
                "company_id": msg.company_id.id, "doc_type": msg.doc_type, "schema_version": msg.schema_version,
                "external_ref": msg.external_ref, "payload_hash": msg.payload_hash, "state": "queued",
                "received_at": now, "next_attempt": now, "parent_id": msg.id, "source_model": msg.source_model,
                "source_id": msg.source_id,
            })
            if big:
                copy._attach_payload(big)
            copies |= copy
        copies._enqueue()
        return copies

    @api.model
    def _cron_recover(self, limit=2000):
        """Safety net: a due message whose job is gone, failed or done without
        effect (a worker was killed, the job table was cleaned) is queued again.
        Resumable: each run takes the oldest ``limit``."""
        return hub.recover(self.env, limit)

    @api.model
    def _cron_housekeeping(self):
        """Release idempotency keys past their retention; raise SLA breaches
        and overdue acknowledgements as exceptions for the owners."""
        return hub.housekeeping(self.env)


class MedsyncMessageLink(models.Model):
    _name = "medsync.message.link"
    _description = "Record created or changed by a MedSync message"

    message_id = fields.Many2one("medsync.message", required=True, ondelete="cascade", index=True)
    role = fields.Selection([("created", "Created"), ("updated", "Updated"), ("flagged", "Flagged")],
                            required=True, default="updated")
    res_model = fields.Char(required=True)
    res_id = fields.Many2oneReference(model_field="res_model", required=True)
    record_ref = fields.Reference(selection="_selection_models", compute="_compute_record_ref", string="Record")
    record_name = fields.Char("Record name", compute="_compute_record_name",
                              help="What the message created or changed, named even when you may not open it.")
    record_kind = fields.Char("Document", compute="_compute_record_name")
    can_open = fields.Boolean(compute="_compute_record_name")

    @api.model
    def _selection_models(self):
        return [(m.model, m.name) for m in self.env["ir.model"].sudo().search([("transient", "=", False)])]

    @api.depends("res_model", "res_id")
    def _compute_record_ref(self):
        for link in self:
            link.record_ref = f"{link.res_model},{link.res_id}" if link.res_model in self.env else False

    @api.depends("res_model", "res_id")
    def _compute_record_name(self):
        by_model = {}
        for link in self:
            by_model.setdefault(link.res_model, []).append(link)
        for model, links in by_model.items():
            if model not in self.env:
                for link in links:
                    link.record_name, link.record_kind, link.can_open = f"#{link.res_id}", model, False
                continue
            Model = self.env[model]
            records = Model.browse([link.res_id for link in links])
            # sudo: the record's name only, so that a link to a record this user may not open (the bill an
            # invoice message created, for the integration admin) still says what it is; opening it is checked
            # against the user's own rights below and in action_open_record
            named = records.sudo().exists()
            readable = named.with_env(self.env)._filtered_access("read")
            kind = self.env["ir.model"]._get(model).name or model
            typed = "type_name" in Model._fields  # a bill says "Vendor Bill", not "Journal Entry"
            for link in links:
                record = named.browse(link.res_id)
                link.record_kind = (typed and record in named and record.type_name) or kind
                link.record_name = record.display_name if record in named else \
                    self.env._("#%s (deleted)", link.res_id)
                link.can_open = link.res_id in readable.ids

    def action_open_record(self):
        """Open the linked record, if this user may read it."""
        self.ensure_one()
        if self.res_model not in self.env:
            raise UserError(self.env._("%s is not installed.", self.res_model))
        record = self.env[self.res_model].browse(self.res_id).exists()
        if not record:
            raise UserError(self.env._("%s no longer exists.", self.record_name))
        record.check_access("read")
        return {"type": "ir.actions.act_window", "res_model": record._name, "res_id": record.id,
                "view_mode": "form", "views": [(False, "form")], "target": "current",
                "name": record.display_name}
