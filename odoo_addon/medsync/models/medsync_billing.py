"""Billing to the ledger: the billing platform's batches, their lines and
control totals, the problems that stopped them, the mapping rules finance
owns, and the daily reconciliation of the platform's totals with the ledger.

A batch and everything under it is written only by ``services/billing.py``
(the hub's handler, the validation, the posting window): every stored field
is guarded. Finance acts through the buttons (validate again, post now), which
check the GL Accountant group and write the chatter. No line holds a patient's
name, record number, birth date or address; the payer and encounter
references are keyed hashes (see ``services/billing.py``).
"""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..services import billing

BATCH_STATES = [("received", "Received"), ("validated", "Validated"), ("rejected", "Rejected"),
                ("scheduled", "Scheduled"), ("posted", "Posted"), ("reversed", "Reversed")]
KINDS = [("original", "Original"), ("adjustment", "Adjustment"), ("reversal", "Reversal")]
SIDES = [("debit", "Debit"), ("credit", "Credit")]
TOTAL_KINDS = [("department", "Department"), ("code", "Code")]
GL_GROUP = "medsync.group_medsync_gl"


class MedsyncBillingBatch(models.Model):
    _name = "medsync.billing.batch"
    _description = "Billing batch"
    _inherit = ["medsync.guarded", "medsync.chatter"]
    _order = "business_date desc, id desc"
    _medsync_protected = frozenset({
        "batch_ref", "source", "system_id", "flow_id", "company_id", "message_id", "business_date", "currency_id",
        "kind", "original_ref", "original_id", "state", "record_count", "total_debit", "total_credit",
        "line_count", "lines_debit", "lines_credit", "journal_id", "move_id", "reversal_move_id", "posting_date",
        "closed_period", "redirected", "lock_policy", "scheduled_at", "posted_at", "validated_at", "origin"})
    _medsync_guard_unlink = True

    name = fields.Char(compute="_compute_name", store=True)
    batch_ref = fields.Char("Batch id", required=True, readonly=True, index=True)
    source = fields.Char(required=True, readonly=True, index=True)
    origin = fields.Selection([("api", "Hub API"), ("file", "CSV file")], readonly=True, default="api")
    system_id = fields.Many2one("medsync.system", "Billing platform", readonly=True, index=True,
                                ondelete="restrict")
    flow_id = fields.Many2one("medsync.flow", readonly=True, ondelete="set null")
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    message_id = fields.Many2one("medsync.message", "Hub message", readonly=True, ondelete="set null")
    business_date = fields.Date(required=True, readonly=True, index=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    kind = fields.Selection(KINDS, required=True, readonly=True, default="original")
    original_ref = fields.Char("Corrects batch", readonly=True)
    original_id = fields.Many2one("medsync.billing.batch", "Corrects", readonly=True, index=True,
                                  ondelete="restrict")
    correction_ids = fields.One2many("medsync.billing.batch", "original_id", "Corrections")
    state = fields.Selection(BATCH_STATES, required=True, readonly=True, default="received", index=True,
                             tracking=True)
    record_count = fields.Integer("Declared records", readonly=True)
    total_debit = fields.Monetary("Declared debit", readonly=True)
    total_credit = fields.Monetary("Declared credit", readonly=True)
    line_count = fields.Integer("Records", readonly=True)
    lines_debit = fields.Monetary("Debit", readonly=True)
    lines_credit = fields.Monetary("Credit", readonly=True)
    line_ids = fields.One2many("medsync.billing.line", "batch_id", "Lines")
    total_ids = fields.One2many("medsync.billing.total", "batch_id", "Control totals")
    problem_ids = fields.One2many("medsync.billing.problem", "batch_id", "Problems")
    problem_count = fields.Integer(compute="_compute_problem_count")
    journal_id = fields.Many2one("account.journal", readonly=True)
    move_id = fields.Many2one("account.move", "Journal entry", readonly=True, index=True, ondelete="restrict")
    reversal_move_id = fields.Many2one("account.move", "Reversal entry", readonly=True, ondelete="restrict")
    posting_date = fields.Date(readonly=True, help="The entry's accounting date: the business date, or the first "
                                                   "open date when the flow redirects out of a locked period.")
    closed_period = fields.Boolean("In a locked period", readonly=True)
    redirected = fields.Boolean(readonly=True)
    lock_policy = fields.Selection(billing.LOCK_POLICIES, readonly=True)
    validated_at = fields.Datetime(readonly=True)
    scheduled_at = fields.Datetime("Posting window", readonly=True, index=True)
    posted_at = fields.Datetime(readonly=True)
    can_release = fields.Boolean(compute="_compute_can_release")

    _sql_constraints = [("ref_uniq", "unique(company_id, source, batch_ref)",
                         "A batch id is received once per source.")]

    @api.depends("source", "batch_ref")
    def _compute_name(self):
        for batch in self:
            batch.name = f"{batch.source}/{batch.batch_ref}"

    def _compute_problem_count(self):
        counts = dict(self.env["medsync.billing.problem"]._read_group([("batch_id", "in", self.ids)], ["batch_id"],
                                                                      ["__count"]))
        for batch in self:
            batch.problem_count = counts.get(batch, 0)

    def _compute_can_release(self):
        gl = self.env.user.has_group(GL_GROUP)
        for batch in self:
            batch.can_release = gl and batch.state in ("rejected", "validated")

    def _check_gl(self):
        if not self.env.user.has_group(GL_GROUP):
            raise UserError(self.env._("Only a GL accountant validates, releases and posts billing batches."))

    def action_validate(self):
        """Validate again (after a mapping fix): the rejected batches that now
        pass are scheduled for their flow's posting window."""
        self._check_gl()
        todo = self.filtered(lambda b: b.state in ("rejected", "received"))
        if not todo:
            raise UserError(self.env._("Only a received or rejected batch is validated again."))
        billing.validate(todo, by=self.env.user)
        return True

    def action_post_now(self):
        self._check_gl()
        todo = self.filtered(lambda b: b.state in ("validated", "scheduled"))
        if not todo:
            raise UserError(self.env._("Only a validated or scheduled batch is posted."))
        billing.post(todo, by=self.env.user)
        return True

    @api.model
    def _cron_post_due(self):
        return billing.post_due(self.env)

    def action_open_move(self):
        self.ensure_one()
        return {"type": "ir.actions.act_window", "res_model": "account.move", "view_mode": "form",
                "res_id": (self.reversal_move_id or self.move_id).id}

    def action_open_lines(self):
        self.ensure_one()
        return {"type": "ir.actions.act_window", "res_model": "medsync.billing.line", "name": self.name,
                "view_mode": "list,pivot", "domain": [("batch_id", "=", self.id)]}


class MedsyncBillingLine(models.Model):
    _name = "medsync.billing.line"
    _description = "Billing batch line"
    _order = "batch_id, sequence"
    _inherit = ["medsync.guarded"]
    _medsync_protected = frozenset({
        "batch_id", "sequence", "line_ref", "code", "department", "payer_class", "facility", "amount", "side",
        "balance", "service_date", "payer_ref", "encounter_ref", "rule_id", "account_id", "analytic_department_id",
        "analytic_payer_id", "group_no", "business_date"})
    _medsync_guard_unlink = True

    batch_id = fields.Many2one("medsync.billing.batch", required=True, readonly=True, index=True, ondelete="cascade")
    sequence = fields.Integer("Index", readonly=True, help="The line's place in the batch, from 0 as in lines[0].")
    line_ref = fields.Char("Line id", readonly=True)
    # a day brings 100,000 lines, written by COPY: only the batch is indexed (every read goes through it)
    code = fields.Char(readonly=True)
    department = fields.Char(readonly=True)
    payer_class = fields.Char(readonly=True)
    facility = fields.Char(readonly=True)
    amount = fields.Monetary(readonly=True)
    side = fields.Selection(SIDES, readonly=True)
    balance = fields.Monetary(readonly=True, help="Debit positive, credit negative.")
    service_date = fields.Date(readonly=True)
    payer_ref = fields.Char("Payer reference (keyed hash)", readonly=True)
    encounter_ref = fields.Char("Encounter reference (keyed hash)", readonly=True)
    rule_id = fields.Many2one("medsync.billing.rule", "Mapped by", readonly=True, ondelete="set null")
    account_id = fields.Many2one("account.account", readonly=True)
    analytic_department_id = fields.Many2one("account.analytic.account", "Department (analytic)", readonly=True)
    analytic_payer_id = fields.Many2one("account.analytic.account", "Payer class (analytic)", readonly=True)
    group_no = fields.Integer("Entry line", readonly=True,
                              help="The line of its batch's journal entry it is summarised into (from 0).")
    move_line_id = fields.Many2one("account.move.line", "Journal item", compute="_compute_move_line_id")
    # the batch's, not stored: a foreign key checked on each of a day's 100,000 rows for nothing
    company_id = fields.Many2one(related="batch_id.company_id")
    currency_id = fields.Many2one(related="batch_id.currency_id")
    business_date = fields.Date(readonly=True)
    state = fields.Selection(related="batch_id.state")

    def _compute_move_line_id(self):
        """The journal item a line went into: its batch's entry, the item of its
        entry line (each line is written once, when received; the entry's items
        carry their line number, ``medsync_billing_group``)."""
        self.env.flush_all()
        rows = dict(self.env.execute_query(SQL(
            """SELECT l.id, aml.id FROM medsync_billing_line l
                 JOIN medsync_billing_batch b ON b.id = l.batch_id
                 JOIN account_move_line aml ON aml.move_id = b.move_id AND aml.medsync_billing_group = l.group_no
                WHERE l.id = ANY(%s)""", self.ids))) if self.ids else {}
        for line in self:
            line.move_line_id = rows.get(line.id, False)


class MedsyncBillingTotal(models.Model):
    """A control total the platform declared, against what the lines make."""

    _name = "medsync.billing.total"
    _description = "Billing control total"
    _order = "batch_id, kind, key"
    _inherit = ["medsync.guarded"]
    _medsync_protected = frozenset({"batch_id", "kind", "key", "declared_debit", "declared_credit", "debit",
                                    "credit", "declared", "currency_id"})
    _medsync_guard_unlink = True

    batch_id = fields.Many2one("medsync.billing.batch", required=True, readonly=True, index=True, ondelete="cascade")
    currency_id = fields.Many2one(related="batch_id.currency_id")
    kind = fields.Selection(TOTAL_KINDS, readonly=True)
    key = fields.Char(readonly=True)
    declared = fields.Boolean(readonly=True, help="The platform sent this total.")
    declared_debit = fields.Monetary(readonly=True)
    declared_credit = fields.Monetary(readonly=True)
    debit = fields.Monetary("Lines debit", readonly=True)
    credit = fields.Monetary("Lines credit", readonly=True)
    agrees = fields.Boolean(compute="_compute_agrees")

    @api.depends("declared_debit", "declared_credit", "debit", "credit", "declared")
    def _compute_agrees(self):
        for t in self:
            cur = t.currency_id
            t.agrees = t.declared and cur.compare_amounts(t.declared_debit, t.debit) == 0 \
                and cur.compare_amounts(t.declared_credit, t.credit) == 0


class MedsyncBillingProblem(models.Model):
    _name = "medsync.billing.problem"
    _description = "Billing batch problem"
    _order = "batch_id, sequence"
    _inherit = ["medsync.guarded"]
    _medsync_protected = frozenset({"batch_id", "sequence", "path", "rule", "message", "line_id"})
    _medsync_guard_unlink = True

    batch_id = fields.Many2one("medsync.billing.batch", required=True, readonly=True, index=True, ondelete="cascade")
    sequence = fields.Integer(readonly=True)
    path = fields.Char("Where", readonly=True, help="As the sender sees it: lines[3].code, totals[0], $ for the batch "
                                                    "(a CSV file: its row number).")
    rule = fields.Char(readonly=True)
    message = fields.Char(readonly=True)
    line_id = fields.Many2one("medsync.billing.line", readonly=True, ondelete="cascade")


class MedsyncBillingRule(models.Model):
    """(source, code, department, payer class, facility) → account, analytic
    accounts and journal, effective from and to a date. The rule without a
    code is the source's default. Finance owns the table; every change is in
    the chatter."""

    _name = "medsync.billing.rule"
    _description = "Billing mapping rule"
    _inherit = ["medsync.tracked.settings"]
    _order = "source, code, department, payer_class, facility, date_from desc, sequence, id"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    source = fields.Char(required=True, index=True, help="The billing platform's source, as in its batches.")
    code = fields.Char(help="Revenue or transaction code. Empty: the source's default rule.")
    department = fields.Char(help="Empty: any department.")
    payer_class = fields.Char(help="Empty: any payer class.")
    facility = fields.Char(help="Empty: any facility.")
    date_from = fields.Date("Effective from")
    date_to = fields.Date("Effective to", help="Inclusive. Empty: open.")
    account_id = fields.Many2one("account.account", required=True, check_company=True, ondelete="restrict")
    journal_id = fields.Many2one("account.journal", required=True, check_company=True, ondelete="restrict",
                                 domain=[("type", "=", "general")])
    analytic_department_id = fields.Many2one(
        "account.analytic.account", "Cost centre", check_company=True,
        help="Empty: the analytic account of the line's department (Departments plan).")
    analytic_payer_id = fields.Many2one(
        "account.analytic.account", "Payer class account", check_company=True,
        help="Empty: the analytic account of the line's payer class (Payer classes plan).")
    sequence = fields.Integer(default=10, help="Between two equally specific rules, the lower first.")
    note = fields.Char()
    active = fields.Boolean(default=True)

    @api.constrains("journal_id")
    def _check_journal(self):
        # the billing poster may write in every journal a rule names: miscellaneous journals only, never the
        # sales, purchase, bank or cash journals
        for rule in self:
            if rule.journal_id.type != "general":
                raise ValidationError(self.env._(
                    "%(j)s is a %(t)s journal: billing batches post into a miscellaneous journal.",
                    j=rule.journal_id.display_name, t=rule.journal_id.type))

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for rule in self:
            if rule.date_from and rule.date_to and rule.date_to < rule.date_from:
                raise ValidationError(self.env._("A rule cannot end before it starts."))

    @api.constrains("source", "code", "department", "payer_class", "facility", "date_from", "date_to", "active",
                    "company_id")
    def _check_overlap(self):
        for rule in self.filtered("active"):
            same = self.search([
                ("id", "!=", rule.id), ("company_id", "=", rule.company_id.id), ("source", "=", rule.source),
                ("code", "=", rule.code or False), ("department", "=", rule.department or False),
                ("payer_class", "=", rule.payer_class or False), ("facility", "=", rule.facility or False)])
            for other in same:
                if (not other.date_to or not rule.date_from or other.date_to >= rule.date_from) and \
                        (not rule.date_to or not other.date_from or rule.date_to >= other.date_from):
                    raise ValidationError(self.env._(
                        "Two rules for the same source, code, department, payer class and facility are effective "
                        "on the same days (%(a)s and %(b)s): end one before the other starts.",
                        a=rule.display_name, b=other.display_name))

    @api.depends("source", "code", "department", "payer_class", "facility")
    def _compute_display_name(self):
        for rule in self:
            parts = [rule.source or "", rule.code or self.env._("default")]
            parts += [p for p in (rule.department, rule.payer_class, rule.facility) if p]
            rule.display_name = " / ".join(parts)

    def action_test(self):
        return {"type": "ir.actions.act_window", "res_model": "medsync.billing.rule.test", "view_mode": "form",
                "target": "new", "context": {"default_source": self[:1].source or False,
                                             "default_company_id": self.env.company.id}}


class MedsyncBillingDay(models.Model):
    """One business date of one source: the platform's own totals against the
    ledger, green when every department and account agrees."""

    _name = "medsync.billing.day"
    _description = "Billing daily reconciliation"
    _inherit = ["medsync.guarded", "medsync.chatter"]
    _order = "business_date desc, source"
    _medsync_protected = frozenset({"company_id", "system_id", "source", "business_date", "currency_id", "state",
                                    "platform_debit", "platform_credit", "ledger_debit", "ledger_credit",
                                    "difference", "checked_at", "exception_id", "message_id"})
    _medsync_guard_unlink = True

    name = fields.Char(compute="_compute_name")
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    system_id = fields.Many2one("medsync.system", "Billing platform", readonly=True, ondelete="set null")
    message_id = fields.Many2one("medsync.message", "Last totals received", readonly=True, ondelete="set null")
    source = fields.Char(required=True, readonly=True, index=True)
    business_date = fields.Date(required=True, readonly=True, index=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    state = fields.Selection([("green", "Agrees"), ("red", "Drift")], readonly=True, index=True, tracking=True)
    color = fields.Char(compute="_compute_color", help="The calendar's colour: green or red.")
    platform_debit = fields.Monetary(readonly=True)
    platform_credit = fields.Monetary(readonly=True)
    ledger_debit = fields.Monetary(readonly=True)
    ledger_credit = fields.Monetary(readonly=True)
    difference = fields.Monetary(readonly=True, help="Sum of the absolute differences of every department and "
                                                     "account.")
    checked_at = fields.Datetime(readonly=True)
    exception_id = fields.Many2one("medsync.exception", "Drift exception", readonly=True, ondelete="set null")
    line_ids = fields.One2many("medsync.billing.day.line", "day_id", "Departments and accounts")
    batch_ids = fields.Many2many("medsync.billing.batch", compute="_compute_batch_ids", string="Batches")

    _sql_constraints = [("day_uniq", "unique(company_id, source, business_date)",
                         "One reconciliation per source and business date.")]

    def _compute_name(self):
        for day in self:
            day.name = f"{day.source} {day.business_date}"

    @api.depends("state")
    def _compute_color(self):
        for day in self:  # a CSS colour, which the calendar uses as given
            day.color = {"green": "#28a745", "red": "#dc3545"}.get(day.state, False)

    def _compute_batch_ids(self):
        for day in self:
            day.batch_ids = self.env["medsync.billing.batch"].search([
                ("company_id", "=", day.company_id.id), ("source", "=", day.source),
                ("business_date", "=", day.business_date)])

    @api.model
    def _cron_reconcile(self):
        return billing.reconcile_recent(self.env)

    def action_recheck(self):
        if not self.env.user.has_group(GL_GROUP):
            raise UserError(self.env._("Only a GL accountant runs the reconciliation."))
        billing.reconcile_days(self)
        return True


class MedsyncBillingDayLine(models.Model):
    _name = "medsync.billing.day.line"
    _description = "Billing daily reconciliation line"
    _order = "day_id, state desc, department, account_code"
    _inherit = ["medsync.guarded"]
    _medsync_protected = frozenset({"day_id", "department", "account_code", "account_id", "platform_debit",
                                    "platform_credit", "ledger_debit", "ledger_credit", "difference", "state",
                                    "currency_id"})
    _medsync_guard_unlink = True

    day_id = fields.Many2one("medsync.billing.day", required=True, readonly=True, index=True, ondelete="cascade")
    currency_id = fields.Many2one("res.currency", readonly=True)
    department = fields.Char(readonly=True)
    account_code = fields.Char("Account code", readonly=True)
    account_id = fields.Many2one("account.account", readonly=True)
    platform_debit = fields.Monetary(readonly=True)
    platform_credit = fields.Monetary(readonly=True)
    ledger_debit = fields.Monetary(readonly=True)
    ledger_credit = fields.Monetary(readonly=True)
    difference = fields.Monetary(readonly=True, help="Platform balance minus ledger balance.")
    state = fields.Selection([("green", "Agrees"), ("red", "Drift")], readonly=True)
