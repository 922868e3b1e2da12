"""Integration hub catalogue: external systems, their flows, and the audit
trail of what integration admins do to them.

An external system talks to Odoo as its own technical user, which holds only
the groups its active flows need, through API keys of Odoo's
``res.users.apikeys`` scoped to that system (``medsync.hub.<code>``)."""

import re
import secrets
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..services import billing, guard, hub, hub_base

SYSTEM_KINDS = [("supplier", "Supplier portal / EDI"), ("distributor", "Distributor"),
                ("warehouse", "Warehouse tool / supply cabinet"), ("payment", "Payment gateway"),
                ("billing", "Billing platform"),
                ("analytics", "Analytics"), ("other", "Other")]
DOC_TYPES = [("po_ack", "Purchase order acknowledgement"), ("asn", "Advance ship notice"),
             ("invoice", "Vendor invoice"), ("payment_status", "Payment status"),
             ("stock_snapshot", "Stock balance snapshot"), ("vendor_update", "Vendor master update"),
             ("vendor_onboarding", "Vendor onboarding request"), ("vendor_credential", "Vendor credential status"),
             ("billing_batch", "Billing batch"), ("billing_daily_totals", "Billing daily control totals"),
             ("price_catalog", "Price catalogue"),
             ("consumption", "Cabinet consumption"), ("par_levels", "Cabinet par levels"),
             ("cabinet_par_levels", "Par levels to the cabinet system (outbound)"),
             ("purchase_order", "Purchase order (outbound)"),
             ("billing_payment", "Billing payment status (outbound)"),
             ("x12_ack", "X12 acknowledgement (outbound)")]
OUTBOUND = ("purchase_order", "billing_payment", "x12_ack", "cabinet_par_levels")
CRITICALITY = [("procurement", "Procurement (real time)"), ("billing", "Billing"),
               ("batch", "Reporting / batch")]
DEFAULT_CRITICALITY = {"po_ack": "procurement", "asn": "procurement", "purchase_order": "procurement",
                       "invoice": "billing", "payment_status": "billing", "stock_snapshot": "batch",
                       "vendor_update": "batch", "vendor_onboarding": "batch", "vendor_credential": "batch",
                       "billing_batch": "billing", "billing_daily_totals": "billing", "billing_payment": "billing",
                       "price_catalog": "batch", "x12_ack": "procurement", "consumption": "procurement",
                       "par_levels": "batch", "cabinet_par_levels": "batch"}
# the groups a system's technical user needs for each flow (least privilege)
FLOW_GROUPS = {
    "po_ack": ["purchase.group_purchase_user"],
    "asn": ["purchase.group_purchase_user", "stock.group_stock_user"],
    "invoice": ["purchase.group_purchase_user", "account.group_account_invoice"],
    "payment_status": ["account.group_account_invoice"],
    "stock_snapshot": ["medsync.group_medsync_inventory"],
    "vendor_update": ["base.group_partner_manager"],
    # the vendor and its principals as contacts; credentials and the compliance record through the handler's
    # privileged writes (services/hub_vendor.py): the system gets no compliance role
    "vendor_onboarding": ["base.group_partner_manager"],
    "vendor_credential": [],
    "purchase_order": [],
    # batches and totals are written by the hub's privileged handler: the platform's user never posts
    "billing_batch": [],
    "billing_daily_totals": [],
    "billing_payment": [],
    # a vendor's prices are written by the hub's privileged handler (services/x12_catalog.py), for that vendor only
    "price_catalog": [],
    "x12_ack": [],
    # consumption moves are made as the cabinet system's user (Odoo's valuation reads stock as the user, not as
    # the superuser); events, reorder rules and exceptions by the hub's privileged handler (services/consumption.py)
    "consumption": ["stock.group_stock_user"],
    "par_levels": ["stock.group_stock_user"],
    "cabinet_par_levels": [],
}
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,31}$")


class MedsyncAudit(models.Model):
    """What an integration admin did, to what, when and why. Append-only."""

    _name = "medsync.audit"
    _description = "MedSync audit trail"
    _inherit = ["medsync.guarded"]
    _medsync_protected = frozenset({"date", "user_id", "action", "system_id", "res_model", "res_ids", "reason",
                                    "company_id"})
    _order = "id desc"

    date = fields.Datetime(default=fields.Datetime.now, required=True, readonly=True, index=True)
    user_id = fields.Many2one("res.users", required=True, readonly=True, default=lambda self: self.env.user)
    action = fields.Char(required=True, readonly=True, index=True)
    system_id = fields.Many2one("medsync.system", readonly=True, index=True, ondelete="set null")
    res_model = fields.Char(readonly=True)
    res_ids = fields.Char("Records", readonly=True)
    reason = fields.Text(readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, default=lambda self: self.env.company)

    @api.model
    def _log(self, action, records, reason="", system=None):
        # sudo: the audit trail is append-only; nobody but the system writes it
        return guard.privileged(self.sudo()).create({
            "action": action, "res_model": records._name, "res_ids": ",".join(map(str, records.ids))[:2000],
            "reason": reason, "system_id": system.id if system else False, "user_id": self.env.uid,
            "company_id": (system.company_id if system else self.env.company).id,
        })

    def write(self, vals):
        raise UserError(self.env._("The integration audit trail cannot be changed."))

    def unlink(self):
        raise UserError(self.env._("The integration audit trail cannot be deleted."))


class MedsyncSystem(models.Model):
    _name = "medsync.system"
    _description = "MedSync external system"
    _order = "name"

    name = fields.Char(required=True)
    code = fields.Char(required=True, help="In the API's URLs: /medsync/api/v1/<code>/... (a-z, 0-9, - and _).")
    kind = fields.Selection(SYSTEM_KINDS, required=True, default="supplier")
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    partner_id = fields.Many2one("res.partner", "Speaks for vendor",
                                 help="A supplier's system may only send documents about this vendor's orders, "
                                      "bills and master data.")
    user_id = fields.Many2one("res.users", "Technical user", readonly=True, copy=False, ondelete="restrict",
                              help="The system acts as this user; it holds only the groups its flows need.")
    flow_ids = fields.One2many("medsync.flow", "system_id", "Flows")
    rate_limit = fields.Integer("Requests per minute", default=1200,
                                help="Counted for all server processes together; beyond it (or beyond the "
                                     "burst at once) the API answers 429 with Retry-After.")
    rate_burst = fields.Integer("Burst", default=200)
    max_body_kb = fields.Integer("Largest body (KiB)", default=2048)
    webhook_url = fields.Char("Webhook URL", help="Where confirmed purchase orders are POSTed, signed.")
    webhook_secret = fields.Char(groups="medsync.group_medsync_integration", copy=False, readonly=True)
    metrics_access = fields.Boolean("May read metrics", help="Its key may scrape /medsync/api/v1/metrics.")
    key_count = fields.Integer("Active keys", compute="_compute_keys")
    key_expiry = fields.Datetime("Next key expiry", compute="_compute_keys")
    message_count = fields.Integer(compute="_compute_message_count")
    active = fields.Boolean(default=True)

    _sql_constraints = [("code_uniq", "unique(code)", "A system code must be unique.")]

    @api.constrains("code")
    def _check_code(self):
        for system in self:
            if not CODE_RE.match(system.code or ""):
                raise ValidationError(self.env._("System code %r: 2 to 32 of a-z, 0-9, - and _.", system.code))

    def _scope(self):
        self.ensure_one()
        return f"{hub.KEY_SCOPE_PREFIX}{self.code}"

    def _compute_keys(self):
        # sudo: key rows belong to the technical users; only their dates and count are shown, never a hash
        keys = self.env["res.users.apikeys"].sudo()
        now = fields.Datetime.now()
        for system in self:
            found = keys.search([("user_id", "=", system.user_id.id), ("scope", "=", system._scope())]) \
                if system.user_id else keys
            live = found.filtered(lambda k: not k.expiration_date or k.expiration_date > now)
            system.key_count = len(live)
            system.key_expiry = min(live.mapped("expiration_date"), default=False) if live else False

    def _compute_message_count(self):
        counts = dict(self.env["medsync.message"]._read_group([("system_id", "in", self.ids)], ["system_id"],
                                                              ["__count"]))
        for system in self:
            system.message_count = counts.get(system, 0)

    # ------------------------------------------------------------------ technical user

    @api.model_create_multi
    def create(self, vals_list):
        systems = super().create(vals_list)
        for system in systems:
            system._ensure_user()
        hub.bump_key_generation(self.env)
        return systems

    def write(self, vals):
        res = super().write(vals)
        # what a system may do and where its orders go are audited (the secret itself never is)
        self.env["medsync.audit"]._log("system_changed", self, ", ".join(sorted(vals)))
        if "code" in vals or "active" in vals:
            for system in self:
                if system.user_id:
                    # sudo: the technical user is the system's; integration admins are not user managers
                    system.user_id.sudo().write({"login": f"hub-{system.code}", "active": system.active})
            hub.bump_key_generation(self.env)
        if {"partner_id", "rate_limit", "rate_burst", "max_body_kb", "active", "code"} & vals.keys():
            hub.bump_key_generation(self.env)
        return res

    def _ensure_user(self):
        """Create or refresh the technical user: internal, no password, its
        company, the hub client group and the groups of its active flows."""
        self.ensure_one()
        groups = self.env.ref("medsync.group_medsync_hub_client")
        for flow in self.flow_ids.filtered("active"):
            for xmlid in FLOW_GROUPS.get(flow.doc_type, []):
                groups |= self.env.ref(xmlid)
        vals = {"groups_id": [Command.set(groups.ids)], "company_id": self.company_id.id,
                "company_ids": [Command.set(self.company_id.ids)]}
        # sudo: creating the system's own technical user is part of registering a system
        if self.user_id:
            self.user_id.sudo().write(vals)
        else:
            # an address of its own: what it posts in chatters (bills, orders) needs an author that can send
            domain = (self.company_id.email or "").partition("@")[2] or "medsync.invalid"
            user = self.env["res.users"].sudo().with_context(no_reset_password=True).create({
                "name": self.env._("%s (integration)", self.name), "login": f"hub-{self.code}",
                "email": f"hub-{self.code}@{domain}", **vals})
            super().write({"user_id": user.id})

    # ------------------------------------------------------------------ keys

    def _check_admin(self):
        if not self.env.user.has_group("medsync.group_medsync_integration"):
            raise UserError(self.env._("Only an integration admin manages systems and keys."))

    def action_new_key(self):
        self.ensure_one()
        self._check_admin()
        return {"type": "ir.actions.act_window", "res_model": "medsync.system.key", "view_mode": "form",
                "target": "new", "context": {"default_system_id": self.id}}

    def _generate_key(self, days, revoke_others_after_days=None):
        """A new key for the technical user, scoped to this system. With
        ``revoke_others_after_days``, the keys it had expire then (rotation
        with an overlap); returns the key, shown once."""
        self.ensure_one()
        self._check_admin()
        if days <= 0:
            raise UserError(self.env._("A key must expire: give a number of days."))
        keys = self.env["res.users.apikeys"].with_user(self.user_id).sudo()  # sudo: a key for the system's user
        if revoke_others_after_days is not None:
            old = keys.search([("user_id", "=", self.user_id.id), ("scope", "=", self._scope())])
            until = fields.Datetime.now() + timedelta(days=revoke_others_after_days)
            old.filtered(lambda k: not k.expiration_date or k.expiration_date > until).write(
                {"expiration_date": until})
        expiry = fields.Datetime.now() + timedelta(days=days)
        key = keys._generate(self._scope(), f"MedSync hub {self.code}", expiry)
        self.env["medsync.audit"]._log("key_generated", self, self.env._("expires %s", expiry), system=self)
        hub.bump_key_generation(self.env)
        self.invalidate_recordset(["key_count", "key_expiry"])
        return key

    def action_revoke_keys(self):
        self._check_admin()
        for system in self:
            keys = self.env["res.users.apikeys"].sudo().search(  # sudo: the system's user owns its keys
                [("user_id", "=", system.user_id.id), ("scope", "=", system._scope())])
            keys._remove()
            self.env["medsync.audit"]._log("keys_revoked", system, self.env._("%s key(s)", len(keys)),
                                           system=system)
        hub.bump_key_generation(self.env)
        return True

    def action_new_webhook_secret(self):
        self._check_admin()
        for system in self:
            system.sudo().webhook_secret = secrets.token_hex(32)  # sudo: the field is write-protected on purpose
            self.env["medsync.audit"]._log("webhook_secret_rotated", system, system=system)
        return True

    def action_open_messages(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("medsync.action_medsync_message")
        action["domain"] = [("system_id", "=", self.id)]
        return action


class MedsyncFlow(models.Model):
    """The catalogue an auditor reads: what flows between which system and
    Odoo, who owns it, how fast it must go, in which schema."""

    _name = "medsync.flow"
    _description = "MedSync integration flow"
    _order = "system_id, code"

    code = fields.Char(required=True)
    name = fields.Char(required=True)
    system_id = fields.Many2one("medsync.system", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="system_id.company_id", store=True)
    direction = fields.Selection([("inbound", "Inbound"), ("outbound", "Outbound")], required=True,
                                 compute="_compute_direction", store=True, readonly=False, precompute=True)
    doc_type = fields.Selection(DOC_TYPES, "Document", required=True)
    description = fields.Text("Data exchanged")
    owner_user_id = fields.Many2one("res.users", "Owner", domain=[("share", "=", False)])
    owner_team_id = fields.Many2one("medsync.team", "Owning team")
    latency_class = fields.Selection([("realtime", "Real time"), ("batch", "Batch window")], required=True,
                                     default="realtime")
    criticality = fields.Selection(
        CRITICALITY, required=True, compute="_compute_criticality", store=True, readonly=False, precompute=True,
        help="Each criticality has its own job channel: a slow or failing batch flow never holds up procurement.")
    channel = fields.Char(compute="_compute_channel")
    sla_minutes = fields.Integer("SLA (minutes)", default=15, help="A message not done by then is a breach.")
    ack_sla_hours = fields.Integer("Acknowledgement SLA (hours)", default=24,
                                   help="Outbound orders: the vendor must acknowledge within this time.")
    schema_version = fields.Integer(default=1, required=True)
    max_attempts = fields.Integer(default=6, help="Transient failures retry with backoff up to this many times.")
    retention_days = fields.Integer("Idempotency keys kept (days)", default=30)
    billing_window = fields.Selection(
        billing.WINDOWS, "Posting window", default="nightly",
        help="Billing batches: when a validated batch is posted. Nightly at the hour below (UTC), hourly, as soon "
             "as validated, or when finance posts it.")
    billing_hour = fields.Integer("Posting hour (UTC)", default=2)
    billing_sources = fields.Char(
        "Billing sources", help="Billing: the sources this platform speaks for, separated by commas (HBS, LAB). "
                                "A batch or daily totals of another source are refused at the door. Empty: any.")
    billing_lock_policy = fields.Selection(
        billing.LOCK_POLICIES, "Locked period", default="refuse",
        help="A batch whose business date is in a locked period: refused (the GL team decides), or posted on the "
             "first open date as Odoo dates such an entry; it keeps its business date for the reconciliation.")
    active = fields.Boolean(default=True)

    # live figures, one query for all flows shown (see hub.flow_stats)
    queue_depth = fields.Integer(compute="_compute_stats")
    oldest_age_min = fields.Float("Oldest waiting (min)", compute="_compute_stats", digits=(16, 1))
    done_1h = fields.Integer("Done (1 h)", compute="_compute_stats")
    error_rate_24h = fields.Float("Error rate 24 h (%)", compute="_compute_stats", digits=(16, 1))
    p50_ms = fields.Float("Latency p50 (ms)", compute="_compute_stats", digits=(16, 0))
    p95_ms = fields.Float("Latency p95 (ms)", compute="_compute_stats", digits=(16, 0))
    dead_count = fields.Integer("Dead letters", compute="_compute_stats")

    _sql_constraints = [
        ("code_uniq", "unique(system_id, code)", "A flow code must be unique per system."),
        ("doc_uniq", "unique(system_id, doc_type, direction)", "One flow per document type and direction."),
    ]

    @api.depends("doc_type")
    def _compute_direction(self):
        for flow in self:
            flow.direction = "outbound" if flow.doc_type in OUTBOUND else "inbound"

    @api.depends("doc_type")
    def _compute_criticality(self):
        for flow in self:
            flow.criticality = DEFAULT_CRITICALITY.get(flow.doc_type, "batch")

    @api.depends("criticality")
    def _compute_channel(self):
        for flow in self:
            flow.channel = hub_base.CHANNELS[flow.criticality or "batch"]

    @api.constrains("schema_version", "doc_type", "direction")
    def _check_schema(self):
        known = hub.document_types(self.env)
        for flow in self:
            if flow.doc_type in OUTBOUND:
                continue
            if flow.direction != "inbound":
                raise ValidationError(self.env._("%s is an inbound document.", flow.doc_type))
            if flow.schema_version not in known.get(flow.doc_type, []):
                raise ValidationError(self.env._("No schema version %(v)s for %(t)s (known: %(k)s).",
                                                 v=flow.schema_version, t=flow.doc_type,
                                                 k=known.get(flow.doc_type)))

    def _compute_stats(self):
        stats = hub.flow_stats(self.env, self.ids)
        for flow in self:
            s = stats.get(flow.id, {})
            flow.queue_depth = s.get("depth", 0)
            flow.oldest_age_min = s.get("oldest_s", 0.0) / 60.0
            flow.done_1h = s.get("done_1h", 0)
            flow.error_rate_24h = s.get("error_rate", 0.0) * 100.0
            flow.p50_ms = s.get("p50_ms", 0.0)
            flow.p95_ms = s.get("p95_ms", 0.0)
            flow.dead_count = s.get("dead", 0)

    @api.model_create_multi
    def create(self, vals_list):
        flows = super().create(vals_list)
        flows._refresh_systems("flow_created")
        return flows

    def write(self, vals):
        res = super().write(vals)
        self._refresh_systems("flow_changed", ", ".join(sorted(vals)))
        return res

    def unlink(self):
        systems = self.system_id
        self.env["medsync.audit"]._log("flow_deleted", self, ", ".join(self.mapped("code")))
        res = super().unlink()
        for system in systems:
            system._ensure_user()
        hub.bump_key_generation(self.env)
        return res

    def _refresh_systems(self, action, reason=""):
        for system in self.system_id:
            system._ensure_user()
            self.env["medsync.audit"]._log(action, self.filtered(lambda f, s=system: f.system_id == s), reason,
                                           system=system)
        hub.bump_key_generation(self.env)

    def action_open_messages(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("medsync.action_medsync_message")
        action["domain"] = [("flow_id", "=", self.id)]
        return action
