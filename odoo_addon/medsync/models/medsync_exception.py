from datetime import timedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.models import MAGIC_COLUMNS
from odoo.tools import SQL

from ..services import bulk, guard
from .medsync_exception_reason import SEVERITIES
from .medsync_run import ENGINES

OPEN_STATES = ("open", "in_progress")
STATES = [("open", "Open"), ("in_progress", "In progress"), ("resolved", "Resolved"), ("waived", "Waived")]
# fields that only the life-cycle methods may change (see services/guard.py)
LIFECYCLE_FIELDS = {"state", "closed_by_id", "date_closed", "close_note"}
# what decides who works and waives an exception, and what is at stake: set when it is raised, then only by the
# engines (a clerk re-labelling a stock exception as a billing one could waive it)
FIXED_AFTER_RAISE = frozenset({"reason_id", "company_id", "amount"})
# who works (starts, resolves, reopens) an exception when its reason names no group: by engine
ENGINE_WORK_GROUPS = {
    "matching": ("medsync.group_medsync_buyer", "medsync.group_medsync_ap_clerk"),
    "reconcile": ("medsync.group_medsync_inventory",),
    "dedupe": ("medsync.group_medsync_steward",),
    "documents": ("medsync.group_medsync_buyer", "medsync.group_medsync_ap_clerk",
                  "medsync.group_medsync_integration"),
    "hub": ("medsync.group_medsync_integration", "medsync.group_medsync_buyer", "medsync.group_medsync_ap_clerk"),
    "compliance": ("medsync.group_medsync_compliance",),
    "core": ("medsync.group_medsync_buyer", "medsync.group_medsync_ap_clerk", "medsync.group_medsync_inventory",
             "medsync.group_medsync_steward", "medsync.group_medsync_integration"),
}
SEVERITY_RANK = {code: i for i, (code, _label) in enumerate(SEVERITIES)}


class MedsyncException(models.Model):
    """The one exception queue of every MedSync engine and flow.

    Engines raise exceptions in bulk with ``_raise_many``; the same problem
    raised again while open (same company and ``key``) is counted on the
    open record, not duplicated. Owners get a to-do activity due at the SLA;
    resolving or waiving needs a reason and records who and when."""

    _name = "medsync.exception"
    _description = "MedSync exception"
    _inherit = ["medsync.chatter", "mail.activity.mixin", "medsync.guarded"]
    # the life cycle and what the engines keep; reason_code, engine and severity_rank follow the reason and
    # severity (create/write fill them in)
    _medsync_protected = frozenset(LIFECYCLE_FIELDS | {
        "key", "run_id", "res_model", "res_id", "reason_code", "engine", "severity_rank", "occurrence_count",
        "date_last_seen", "escalated"})
    _medsync_create_values = {"state": "open"}
    _order = "severity_rank desc, date_due, id desc"

    name = fields.Char("Summary", required=True, tracking=True)
    reason_id = fields.Many2one("medsync.exception.reason", required=True, index=True, ondelete="restrict",
                                tracking=True)
    # copies of the reason's code and engine and of the severity's rank, for searching, grouping and
    # ordering; kept by create/write here and by the reason's write (engines raise thousands of
    # exceptions at once: computed fields would cost an UPDATE of every new row, or a compute per row)
    reason_code = fields.Char(index=True, readonly=True)
    engine = fields.Selection(ENGINES, index=True, readonly=True)
    severity = fields.Selection(SEVERITIES, required=True, default="medium", tracking=True)
    severity_rank = fields.Integer(readonly=True)
    description = fields.Text()
    state = fields.Selection(STATES, default="open", required=True, index=True, tracking=True, readonly=True,
                             group_expand="_expand_states")
    key = fields.Char(
        "Deduplication key", index=True, readonly=True, copy=False,
        help="Engines raise the same problem under the same key; while open it is counted, not duplicated.",
    )
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary("Value at stake", currency_field="currency_id",
                             help="Value on hold, value of the drift, exposure: what waiting costs.")
    run_id = fields.Many2one("medsync.run", "Raised by run", readonly=True, index="btree_not_null")
    res_model = fields.Char("Document model", index=True, readonly=True)
    res_id = fields.Many2oneReference("Document ID", model_field="res_model", readonly=True)
    record_ref = fields.Reference(selection="_selection_record_models", compute="_compute_record_ref",
                                  string="Document")
    link_ids = fields.One2many("medsync.exception.link", "exception_id", "Linked records")
    partner_id = fields.Many2one("res.partner", "Partner", index="btree_not_null")
    product_id = fields.Many2one("product.product", "Product", index="btree_not_null")

    owner_user_id = fields.Many2one("res.users", "Owner", index=True, tracking=True,
                                    domain=[("share", "=", False)])
    owner_team_id = fields.Many2one("medsync.team", "Team", index=True, tracking=True)
    date_due = fields.Datetime("Due", index=True, tracking=True)
    is_overdue = fields.Boolean(compute="_compute_is_overdue", search="_search_is_overdue")
    age_days = fields.Float("Age (days)", compute="_compute_age_days", digits=(16, 1))
    occurrence_count = fields.Integer("Occurrences", default=1, readonly=True)
    date_last_seen = fields.Datetime("Last seen", default=fields.Datetime.now, readonly=True)
    escalated = fields.Boolean(readonly=True, copy=False)

    closed_by_id = fields.Many2one("res.users", "Closed by", readonly=True, copy=False)
    date_closed = fields.Datetime("Closed on", readonly=True, copy=False)
    close_note = fields.Text("Why", readonly=True, copy=False)

    # ------------------------------------------------------------------ computes

    def _expand_states(self, states, domain):
        return [code for code, _label in STATES]

    @api.model
    def _selection_record_models(self):
        return [(m.model, m.name) for m in self.env["ir.model"].sudo().search([("transient", "=", False)])]

    @api.depends("res_model", "res_id")
    def _compute_record_ref(self):
        for exc in self:
            ok = exc.res_model in self.env and exc.res_id
            exc.record_ref = f"{exc.res_model},{exc.res_id}" if ok else False

    @api.depends("date_due", "state")
    def _compute_is_overdue(self):
        now = fields.Datetime.now()
        for exc in self:
            exc.is_overdue = exc.state in OPEN_STATES and bool(exc.date_due) and exc.date_due < now

    def _search_is_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Unsupported search on overdue: %(op)s %(value)s", op=operator, value=value))
        overdue = [("state", "in", OPEN_STATES), ("date_due", "<", fields.Datetime.now())]
        return overdue if (operator == "=") == value else ["!", "&", *overdue]

    @api.depends("create_date", "date_closed")
    def _compute_age_days(self):
        now = fields.Datetime.now()
        for exc in self:
            start = exc.create_date or now
            exc.age_days = ((exc.date_closed or now) - start).total_seconds() / 86400.0

    # ------------------------------------------------------------------ create / write

    @api.model_create_multi
    def create(self, vals_list):
        guard.check_create(self, vals_list, self._medsync_create_values)
        self._prepare_new(vals_list)
        # privileged: the reason's copied code and engine were filled in above, not given by the caller
        records = super(MedsyncException, guard.privileged(self)).create(vals_list).with_env(self.env)
        records._schedule_owner_activities()
        return records

    def _prepare_new(self, vals_list):
        """Complete the values of new exceptions (in place): severity, the
        reason's code and engine, the routing team and the due date."""
        reasons = self.env["medsync.exception.reason"].browse(
            {v["reason_id"] for v in vals_list if v.get("reason_id")}
        )
        by_id = {r.id: r for r in reasons}
        now = fields.Datetime.now()
        for vals in vals_list:
            reason = by_id.get(vals.get("reason_id"), reasons.browse())
            company = self.env["res.company"].browse(vals.get("company_id") or self.env.company.id)
            vals.setdefault("severity", reason.severity or "medium")
            vals.update(reason_code=reason.code, engine=reason.engine,
                        severity_rank=SEVERITY_RANK.get(vals["severity"], 0))
            if not vals.get("owner_team_id"):
                # the team routes and escalates; the owner (if any) does the work
                vals["owner_team_id"] = (reason.team_id or company.medsync_default_team_id).id
            if not vals.get("date_due"):
                hours = reason.sla_hours or company.medsync_exception_sla_hours
                vals["date_due"] = now + timedelta(hours=hours)

    def _create_bulk(self, vals_list):
        """What create() does, for an engine's thousands of new exceptions:
        the same completed values and defaults, inserted in one statement, then
        the owners' to-dos. Like create() under mail_create_nolog and
        mail_create_nosubscribe: no creation message, no follower but the
        owners (through their to-dos). Each vals may hold a ``link_ids`` list
        of (0, 0, vals) commands. Returns the new exceptions."""
        self.check_access("create")
        self.env.flush_all()  # raw SQL below: what it refers to is in the database
        vals_list = [dict(v) for v in vals_list]
        links = [v.pop("link_ids", None) or [] for v in vals_list]
        if any(cmd[0] != Command.CREATE for cmds in links for cmd in cmds):
            raise UserError(_("Exceptions are raised with new links only."))
        self._prepare_new(vals_list)
        names = {k for v in vals_list for k in v}
        unknown = names - {f.name for f in self._fields.values() if f.store and f.column_type}
        if unknown:
            raise UserError(_("Not a column of a MedSync exception: %s", ", ".join(sorted(unknown))))
        defaults = self.default_get([f.name for f in self._fields.values()
                                     if f.store and f.column_type and f.name not in MAGIC_COLUMNS])
        columns = sorted(names | defaults.keys())
        ids = [r[0] for r in self.env.execute_query(SQL(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            self._table, len(vals_list)))]
        now = fields.Datetime.now()
        values = {"id": ids}
        for name in columns:
            field = self._fields[name]
            values[name] = [field.convert_to_column(v.get(name, defaults.get(name)), self)
                            if name in v or name in defaults else None for v in vals_list]
        bulk.insert(self.env.cr, self._table,
                    [("id", "int4")] + [(n, self._fields[n].column_type[1]) for n in columns], values,
                    constants=bulk.log_access(self.env, now))
        records = self.browse(ids)
        records.check_access("create")  # the record rules, as create() checks them after its INSERT
        rows = [(exc_id, cmd[2]) for exc_id, cmds in zip(ids, links, strict=True) for cmd in cmds]
        if rows:
            Link = self.env["medsync.exception.link"]
            Link.check_access("create")
            bulk.insert(self.env.cr, Link._table,
                        [("exception_id", "int4"), ("role", "varchar"), ("res_model", "varchar"), ("res_id", "int4")],
                        {"exception_id": [e for e, _v in rows], "role": [v["role"] for _e, v in rows],
                         "res_model": [v["res_model"] for _e, v in rows], "res_id": [v["res_id"] for _e, v in rows]},
                        constants=bulk.log_access(self.env, now))
        records._schedule_owner_activities()
        return records

    def write(self, vals):
        guard.check(self, vals)
        if not guard.is_privileged(self.env) and not self.env.su:
            fixed = FIXED_AFTER_RAISE & vals.keys()
            if fixed:
                raise AccessError(_(
                    "An exception's %s is fixed when it is raised: it decides who works and waives it. Resolve or "
                    "waive this one, and raise the right one.", ", ".join(sorted(fixed))))
            if self:
                self._check_life_cycle("edit")
        owner_changed = "owner_user_id" in vals or "owner_team_id" in vals
        vals = dict(vals)
        if "reason_id" in vals:
            reason = self.env["medsync.exception.reason"].browse(vals["reason_id"])
            vals.update(reason_code=reason.code, engine=reason.engine)
        if "severity" in vals:
            vals["severity_rank"] = SEVERITY_RANK.get(vals["severity"], 0)
        # privileged: the copied code, engine and rank follow the reason and severity checked above
        res = super(MedsyncException, guard.privileged(self)).write(vals)
        if owner_changed:
            self.filtered(lambda e: e.state in OPEN_STATES)._schedule_owner_activities(reassign=True)
        return res

    def _activity_user(self):
        """Who gets the to-do: the owner, else the team leader."""
        self.ensure_one()
        # sudo: the team (of another company, or shared) may be one the raising user cannot read; only its
        # leader's id is taken
        exc = self.sudo()
        return (exc.owner_user_id or exc.owner_team_id.leader_id).with_env(self.env)

    def _schedule_owner_activities(self, reassign=False):
        todo = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        if not todo:
            return
        if reassign:
            self.activity_ids.filtered(lambda a: a.activity_type_id == todo).unlink()
        model_id = self.env["ir.model"]._get_id(self._name)
        vals = []
        for exc in self:
            user = exc._activity_user()
            if not user:
                continue
            vals.append({
                "res_model_id": model_id,
                "res_id": exc.id,
                "activity_type_id": todo.id,
                "user_id": user.id,
                "summary": exc.name[:100],
                "note": exc.description or False,
                "date_deadline": fields.Date.to_date(exc.date_due) if exc.date_due else fields.Date.today(),
            })
        if vals:
            self.env["mail.activity"].create(vals)

    # ------------------------------------------------------------------ engine API

    @api.model
    def _raise_many(self, vals_list):
        """Raise exceptions in bulk, idempotently.

        Each dict holds the fields of a new exception, with ``reason_code``
        instead of ``reason_id`` if convenient, and a ``key``. An exception
        still open under the same company and key is counted again (its
        occurrence count, last-seen date and amount are refreshed) instead of
        being created twice. Returns the exceptions, created or refreshed."""
        codes = {v["reason_code"] for v in vals_list if v.get("reason_code")}
        reasons = self.env["medsync.exception.reason"].search([("code", "in", list(codes))]) if codes else []
        by_code = {r.code: r.id for r in reasons}
        prepared = []
        for vals in vals_list:
            vals = dict(vals)
            code = vals.pop("reason_code", None)
            if code:
                if code not in by_code:
                    raise UserError(_("Unknown MedSync exception reason code %s.", code))
                vals["reason_id"] = by_code[code]
            vals.setdefault("company_id", self.env.company.id)
            prepared.append(vals)

        keys = [v["key"] for v in prepared if v.get("key")]
        existing = {}
        if keys:
            for exc in self.search([("key", "in", keys), ("state", "in", OPEN_STATES)]):
                existing[(exc.company_id.id, exc.key)] = exc
        to_create, refresh = [], {}
        for vals in prepared:
            exc = existing.get((vals["company_id"], vals.get("key")))
            if exc:
                refresh[exc] = vals
            else:
                to_create.append(vals)
        refreshed = self._refresh_seen(refresh)
        # the owners' to-dos wait in their activities: no e-mail for each of thousands of them
        quiet = self.with_context(mail_activity_quick_update=True)
        created = quiet._create_bulk(to_create).with_env(self.env) if to_create else self.browse()
        return created | refreshed

    def _refresh_seen(self, refresh):
        """Count again the open exceptions seen again ({exception: new vals}):
        one more occurrence, seen now, and the new amount if one is given;
        one statement for all of them."""
        if not refresh:
            return self.browse()
        excs = self.browse([exc.id for exc in refresh])
        excs.check_access("write")
        excs.flush_recordset()
        now = fields.Datetime.now()
        bulk.update(self.env.cr, self._table,
                    [("id", "int"), ("occurrence_count", "int"), ("amount", "numeric"), ("date_last_seen", "timestamp"),
                     ("write_uid", "int"), ("write_date", "timestamp")],
                    {"id": excs.ids,
                     "occurrence_count": [exc.occurrence_count + 1 for exc in refresh],
                     "amount": [vals.get("amount", exc.amount) for exc, vals in refresh.items()],
                     "date_last_seen": [now] * len(excs), "write_uid": [self.env.uid] * len(excs),
                     "write_date": [now] * len(excs)})
        excs.invalidate_recordset(["occurrence_count", "amount", "date_last_seen", "write_uid", "write_date"])
        return excs

    def _auto_resolve(self, note):
        """Close exceptions whose cause is gone (an engine's re-check found it so)."""
        self.filtered(lambda e: e.state in OPEN_STATES)._set_closed("resolved", note, by_system=True)

    # ------------------------------------------------------------------ life cycle

    def action_start(self):
        return self._open_close_wizard("start")

    def action_resolve(self):
        return self._open_close_wizard("resolve")

    def action_waive(self):
        return self._open_close_wizard("waive")

    def action_reopen(self):
        return self._open_close_wizard("reopen")

    def _open_close_wizard(self, mode):
        self._check_life_cycle(mode)
        titles = {"start": _("Start work on exceptions"), "resolve": _("Resolve exceptions"),
                  "waive": _("Waive exceptions"), "reopen": _("Reopen exceptions")}
        return {
            "type": "ir.actions.act_window",
            "name": titles[mode],
            "res_model": "medsync.exception.close",
            "view_mode": "form",
            "target": "new",
            "context": {"default_exception_ids": self.ids, "default_mode": mode},
        }

    def _work_groups(self):
        """The groups that work this exception: its reason's, else its engine's."""
        self.ensure_one()
        names = ENGINE_WORK_GROUPS.get(self.engine or self.reason_id.engine, ENGINE_WORK_GROUPS["core"])
        groups = self.reason_id.work_group_ids
        for xmlid in names if not groups else ():
            groups |= self.env.ref(xmlid)
        return groups | self.reason_id.waive_group_id

    def _check_life_cycle(self, mode):
        """The caller's right to start, resolve, waive or reopen each of these,
        and the state each must be in."""
        if not self:
            raise UserError(_("Select the exceptions first."))
        user_groups = self.env.user.groups_id
        wrong_state = {"start": lambda e: e.state != "open", "resolve": lambda e: e.state not in OPEN_STATES,
                       "waive": lambda e: e.state not in OPEN_STATES, "reopen": lambda e: e.state in OPEN_STATES,
                       "edit": lambda e: False}
        bad = self.filtered(wrong_state[mode])
        if bad:
            need = {"start": _("open"), "resolve": _("open or in progress"), "waive": _("open or in progress"),
                    "reopen": _("resolved or waived")}[mode]
            raise UserError(_("Only %(need)s exceptions can be handled this way: %(names)s", need=need,
                              names=", ".join(bad.mapped("display_name"))))
        for exc in self:
            if mode == "waive":
                group = exc.reason_id.waive_group_id
                if group and group not in user_groups:
                    raise AccessError(_("Only %(group)s may waive “%(exc)s”.", group=group.full_name,
                                        exc=exc.display_name))
            elif not (exc._work_groups() & user_groups):
                raise AccessError(_("“%(exc)s” is worked by %(groups)s; you are not in these groups.",
                                    exc=exc.display_name,
                                    groups=", ".join(exc._work_groups().mapped("full_name"))))

    def _check_waive_rights(self):
        self._check_life_cycle("waive")

    def _close(self, mode, note):
        """Start, resolve, waive or reopen, with the reason written down, as the
        real user (never on someone else's behalf)."""
        if mode not in ("start", "resolve", "waive", "reopen"):
            raise UserError(_("Unknown way to handle an exception: %s", mode))
        note = (note or "").strip()
        if not note:
            raise UserError(_("Say why: every change of an exception's state needs a reason."))
        self._check_life_cycle(mode)
        if mode == "start":
            self._set_started(note)
        elif mode == "reopen":
            self._set_reopened(note)
        else:
            self._set_closed("resolved" if mode == "resolve" else "waived", note)

    def _set_started(self, note):
        guard.privileged(self).write({"state": "in_progress"})
        self.filtered(lambda e: not e.owner_user_id).write({"owner_user_id": self.env.uid})
        self._log_note(_("Started by %(user)s: %(note)s", user=self.env.user.name, note=note))

    def _set_reopened(self, note):
        guard.privileged(self).write({"state": "open", "closed_by_id": False, "date_closed": False,
                                      "close_note": False})
        self._log_note(_("Reopened by %(user)s: %(note)s", user=self.env.user.name, note=note))
        self._schedule_owner_activities()

    def _set_closed(self, state, note, by_system=False):
        if not self:
            return
        guard.privileged(self).write({
            "state": state,
            "closed_by_id": False if by_system else self.env.uid,
            "date_closed": fields.Datetime.now(),
            "close_note": note,
        })
        label = dict(STATES)[state]
        who = _("MedSync") if by_system else self.env.user.name
        self._log_note(_("%(state)s by %(user)s: %(note)s", state=label, user=who, note=note))
        # sudo: the owner's to-do is closed with the exception, whoever closes it
        self.activity_ids.sudo().action_feedback(feedback=note)

    def _log_note(self, body):
        """A note in the chatter of each of these exceptions, in one batch.
        A note is not sent: it never fails for an author without an e-mail."""
        if self:
            self._message_log_batch({exc.id: body for exc in self})

    # ------------------------------------------------------------------ scheduled

    @api.model
    def _cron_escalate_overdue(self, limit=500):
        """Escalate newly overdue exceptions to their team leader, a batch at a time.
        Resumable: each escalated exception is marked, so the next run goes on."""
        batch = self.search([("is_overdue", "=", True), ("escalated", "=", False)], limit=limit, order="date_due")
        todo = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        model_id = self.env["ir.model"]._get_id(self._name)
        activities = []
        batch._message_log_batch({exc.id: _("Overdue since %s: escalated.", fields.Datetime.to_string(exc.date_due))
                                  for exc in batch})
        for exc in batch:
            leader = exc.owner_team_id.leader_id
            if todo and leader and leader != exc.owner_user_id:
                activities.append({
                    "res_model_id": model_id, "res_id": exc.id, "activity_type_id": todo.id,
                    "user_id": leader.id, "summary": _("Overdue: %s", exc.name)[:100],
                    "date_deadline": fields.Date.today(),
                })
        if activities:
            self.env["mail.activity"].create(activities)
        guard.privileged(batch).write({"escalated": True})
        return len(batch)


class MedsyncExceptionLink(models.Model):
    """Further records an exception is about (the PO line beside the bill line,
    the receipt, the second vendor of a pair), each with its role."""

    _name = "medsync.exception.link"
    _description = "MedSync exception linked record"

    exception_id = fields.Many2one("medsync.exception", required=True, ondelete="cascade", index=True)
    role = fields.Char(required=True, help="What this record is to the exception: PO line, receipt, vendor…")
    res_model = fields.Char(required=True)
    res_id = fields.Many2oneReference(required=True, model_field="res_model")
    record_ref = fields.Reference(selection="_selection_record_models", compute="_compute_record_ref",
                                  string="Record")

    def _selection_record_models(self):
        return self.env["medsync.exception"]._selection_record_models()

    @api.depends("res_model", "res_id")
    def _compute_record_ref(self):
        for link in self:
            ok = link.res_model in self.env and link.res_id
            link.record_ref = f"{link.res_model},{link.res_id}" if ok else False
