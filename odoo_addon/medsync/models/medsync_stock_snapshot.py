"""External stock snapshots, their raw rows and their reconciliation lines.

A snapshot is imported once (its content hash is unique per company), keeps
its file and raw rows, and is reconciled by the engine into one line per
location, product and lot. Corrections are approved (auto within tolerance,
one controller, or four eyes above the tolerance's value) and applied only
through Odoo's own inventory adjustment (``stock.quant`` in inventory mode,
``action_apply_inventory``) with the snapshot as the moves' reference.
"""

import datetime as dt
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL
from odoo.tools.float_utils import float_compare

from ..services import guard, reconcile

CLASSES = [
    ("matched", "Matched"),
    ("expiry_mismatch", "Expiry mismatch"),
    ("lot_swap", "Lot swap"),
    ("uom_error", "Unit of measure error"),
    ("timing", "Timing (moves around the count)"),
    ("missing_in_odoo", "Missing in Odoo"),
    ("missing_external", "Missing externally"),
    ("over", "Over (more counted)"),
    ("under", "Under (less counted)"),
    ("not_counted", "Not counted"),
]
APPROVALS = [("none", "Nothing to correct"), ("auto", "Auto (within tolerance)"), ("controller", "Controller"),
             ("four_eyes", "Four eyes"), ("review", "Data to review")]
LINE_STATES = [("none", "No correction"), ("review", "To review"), ("to_approve", "To approve"),
               ("second", "Second approval"), ("approved", "Approved"), ("applied", "Applied"),
               ("rejected", "Rejected")]
PROGRESS = [("draft", "Imported"), ("reconciling", "Reconciling (queued)"), ("to_approve", "Awaiting approval"),
            ("second", "Awaiting second approval"), ("ready", "Ready to apply"), ("review", "Data to review"),
            ("nothing", "Nothing to correct"), ("done", "Corrections applied"), ("cancel", "Cancelled")]
# classes that are not a difference to correct (value 0, or explained by moves around the count)
NOT_DIFFERENCES = ("matched", "timing", "not_counted")
ROW_STATUSES = [("new", "Not reconciled"), ("mapped", "Mapped"), ("unknown_location", "Unknown location"),
                ("unknown_product", "Unknown product"), ("unknown_unit", "Unknown unit")]
CODE_KINDS = [("ref", "Internal reference"), ("vendor", "Vendor code"), ("gtin", "GTIN"),
              ("gs1", "GS1 element string"), ("hibc", "HIBC bar code")]


class MedsyncStockSnapshot(models.Model):
    _name = "medsync.stock.snapshot"
    _description = "MedSync external stock snapshot"
    _inherit = ["medsync.chatter", "medsync.guarded"]
    _order = "as_of desc, id desc"
    _medsync_protected = frozenset({"name", "state", "content_hash", "file", "file_name"})
    _medsync_create_values = {"state": "draft"}
    # what the reconciliation was computed from: fixed once reconciled (approvals rest on it)
    _medsync_frozen_after_draft = frozenset({"as_of", "scope", "company_id"})

    name = fields.Char(required=True, readonly=True, copy=False, default=lambda self: self.env._("New"))
    source = fields.Char(required=True, tracking=True, help="Warehouse tool, supply cabinet or site that counted.")
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    as_of = fields.Datetime("Counted at", required=True, tracking=True)
    scope = fields.Selection([("full", "Full (missing rows mean zero)"), ("partial", "Partial (only what is listed)")],
                             required=True, default="full")
    state = fields.Selection([("draft", "Imported"), ("reconciled", "Reconciled"), ("done", "Corrections applied"),
                              ("cancel", "Cancelled")], default="draft", required=True, tracking=True, index=True)
    content_hash = fields.Char(readonly=True, index=True, copy=False)
    file = fields.Binary(attachment=True, readonly=True, copy=False)
    file_name = fields.Char(readonly=True)
    # the file as received (codes, lots, counts): for inventory controllers, not every MedSync reader
    row_ids = fields.One2many("medsync.stock.snapshot.row", "snapshot_id", "Raw rows",
                              groups="medsync.group_medsync_inventory,base.group_system")
    line_ids = fields.One2many("medsync.stock.recon.line", "snapshot_id", "Reconciliation")
    row_count = fields.Integer(compute="_compute_counts")
    line_count = fields.Integer(compute="_compute_counts")
    difference_count = fields.Integer("Differences", compute="_compute_counts")
    unmapped_count = fields.Integer("Unmapped rows", compute="_compute_counts")
    to_approve_count = fields.Integer("To approve", compute="_compute_counts",
                                      help="Corrections waiting for a first approval by an inventory controller.")
    second_count = fields.Integer("Awaiting second approval", compute="_compute_counts",
                                  help="Four-eyes corrections waiting for an inventory administrator.")
    approved_count = fields.Integer("Approved to apply", compute="_compute_counts")
    review_count = fields.Integer("Data to review", compute="_compute_counts",
                                  help="Unit of measure errors and expiry mismatches: fixed at the source, "
                                       "never corrected by an adjustment.")
    applied_count = fields.Integer("Applied", compute="_compute_counts")
    pending_row_count = fields.Integer("Rows being reconciled", compute="_compute_counts",
                                       help="Rows a queued reconciliation has not reached yet.")
    # the same lines as the Differences button and the Differences tab: every class but matched, timing, not counted
    net_value = fields.Monetary("Net value of differences", compute="_compute_counts",
                                help="Signed sum of the value at cost of the differences: more counted than Odoo "
                                     "holds is positive, less is negative.")
    difference_value = fields.Monetary("Absolute value of differences", compute="_compute_counts",
                                       help="Sum of the value at cost of the differences, each counted positive "
                                            "(an excess does not hide a shortage).")
    difference_line_ids = fields.One2many("medsync.stock.recon.line", compute="_compute_difference_lines",
                                          string="Differences (lines)")
    progress = fields.Selection(PROGRESS, compute="_compute_progress", string="Progress",
                                help="Where the snapshot really is: what still waits for whom.")
    progress_text = fields.Char("Status", compute="_compute_progress")

    _sql_constraints = [
        ("hash_unique", "unique(company_id, content_hash)", "This file was already imported."),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        guard.check_create(self, vals_list, self._medsync_create_values)
        for vals in vals_list:
            if vals.get("name", self.env._("New")) == self.env._("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code("medsync.stock.snapshot") or "/"
        # privileged: the name is the sequence's, set just above
        return super(MedsyncStockSnapshot, guard.privileged(self)).create(vals_list).with_env(self.env)

    def write(self, vals):
        frozen = self._medsync_frozen_after_draft & vals.keys()
        if frozen and self.filtered(lambda s: s.state != "draft") and not guard.is_privileged(self.env):
            raise UserError(self.env._(
                "%(fields)s cannot change once a snapshot is reconciled: its lines and their approvals rest on "
                "them. Cancel it and import the count again.", fields=", ".join(sorted(frozen))))
        return super().write(vals)

    def _set_state(self, state):
        guard.privileged(self).write({"state": state})

    def _compute_counts(self):
        Line = self.env["medsync.stock.recon.line"]
        # sudo: a reader sees how many rows were mapped, not the raw rows themselves
        Row = self.env["medsync.stock.snapshot.row"].sudo()
        lines = defaultdict(lambda: defaultdict(float))
        for snap, cls, state, count, value in Line._read_group(
                [("snapshot_id", "in", self.ids)], ["snapshot_id", "diff_class", "state"], ["__count", "value:sum"]):
            d = lines[snap.id]
            d["lines"] += count
            d[state] += count
            if cls not in NOT_DIFFERENCES:
                d["diff"] += count
                d["net"] += value
        # the absolute value is summed line by line (a group's sum would net an excess against a shortage)
        if self.ids:
            Line.flush_model(["snapshot_id", "diff_class", "value"])
            for snap_id, total in self.env.execute_query(SQL(
                    """SELECT snapshot_id, SUM(ABS(value)) FROM medsync_stock_recon_line
                        WHERE snapshot_id = ANY(%s) AND diff_class <> ALL(%s) GROUP BY 1""",
                    self.ids, list(NOT_DIFFERENCES))):
                lines[snap_id]["abs"] = total or 0.0
        rows = defaultdict(lambda: defaultdict(int))
        for snap, status, count in Row._read_group([("snapshot_id", "in", self.ids)], ["snapshot_id", "status"],
                                                   ["__count"]):
            rows[snap.id]["all"] += count
            rows[snap.id][status] += count
            if status.startswith("unknown"):
                rows[snap.id]["unmapped"] += count
        for snap in self:
            d, r = lines[snap.id], rows[snap.id]
            snap.line_count = int(d["lines"])
            snap.difference_count = int(d["diff"])
            snap.net_value = d["net"]
            snap.difference_value = d["abs"]
            snap.to_approve_count = int(d["to_approve"])
            snap.second_count = int(d["second"])
            snap.approved_count = int(d["approved"])
            snap.review_count = int(d["review"])
            snap.applied_count = int(d["applied"])
            snap.row_count = r["all"]
            snap.unmapped_count = r["unmapped"]
            snap.pending_row_count = r["new"]

    def _compute_difference_lines(self):
        Line = self.env["medsync.stock.recon.line"]
        found = defaultdict(list)
        for line in Line.search([("snapshot_id", "in", self.ids), ("diff_class", "not in", NOT_DIFFERENCES)]):
            found[line.snapshot_id.id].append(line.id)
        for snap in self:
            snap.difference_line_ids = Line.browse(found[snap.id])

    @api.depends("state", "line_ids.state")
    def _compute_progress(self):
        _ = self.env._
        for snap in self:
            parts = [(snap.to_approve_count, _("%s to approve")), (snap.second_count, _("%s awaiting second approval")),
                     (snap.approved_count, _("%s approved to apply")), (snap.review_count, _("%s to review")),
                     (snap.applied_count, _("%s applied"))]
            text = ", ".join(label % n for n, label in parts if n)
            if snap.state != "reconciled":
                progress = snap.state
            elif snap.pending_row_count:
                progress = "reconciling"
                text = _("%(n)s row(s) still being reconciled", n=snap.pending_row_count) + (text and f"; {text}")
            elif snap.to_approve_count:
                progress = "to_approve"
            elif snap.second_count:
                progress = "second"
            elif snap.approved_count:
                progress = "ready"
            elif snap.review_count:
                progress = "review"
            else:
                progress = "nothing"
            snap.progress = progress
            snap.progress_text = text or (_("Nothing to correct") if snap.state == "reconciled" else "")

    # ------------------------------------------------------------------ actions

    def _check_controller(self):
        if not self.env.user.has_group("medsync.group_medsync_inventory"):
            raise AccessError(self.env._("Only an inventory controller may do this."))

    def action_reconcile(self):
        """Reconcile now, or queue one job per chunk of locations when the
        snapshot is larger than the company's chunk size."""
        self._check_controller()
        for snap in self:
            if snap.state in ("done", "cancel"):
                raise UserError(self.env._("%s is closed.", snap.name))
            if snap.line_ids.filtered(lambda ln: ln.state == "applied"):
                raise UserError(self.env._(
                    "%s has corrections applied already: reconciling it again would replace them. Import a new "
                    "count instead.", snap.name))
            approved = snap.line_ids.filtered(lambda ln: ln.state in ("second", "approved") and ln.approved_by_id)
            chunk = max(1, snap.company_id.medsync_chunk_size)
            if snap.row_count <= chunk:
                reconcile.reconcile_snapshot(snap)
            else:
                snap._enqueue_reconcile(chunk)
            if approved:
                snap._message_log(body=self.env._(
                    "Reconciled again by %(user)s: %(n)s approval(s) given before were reset.",
                    user=self.env.user.name, n=len(approved)))
            snap._set_state("reconciled")
        return True

    def _enqueue_reconcile(self, chunk):
        self.ensure_one()
        codes = reconcile.location_codes(self.env, self.company_id)
        per_loc = defaultdict(int)
        self.env["medsync.stock.snapshot.row"].flush_model()
        for code, count in self.env.execute_query(SQL(
                "SELECT location_code, COUNT(*) FROM medsync_stock_snapshot_row WHERE snapshot_id = %s GROUP BY 1",
                self.id)):
            per_loc[codes.get((code or "").strip(), 0)] += count
        batch, size = [], 0
        for loc in sorted(k for k in per_loc if k):
            batch.append(loc)
            size += per_loc[loc]
            if size >= chunk:
                self._delay_chunk(batch)
                batch, size = [], 0
        if batch or not any(per_loc):  # no mapped location at all: one job reports the rows
            self._delay_chunk(batch)

    def _delay_chunk(self, location_ids):
        self.with_delay(channel="root.medsync.reconcile",
                        description=self.env._("MedSync: reconcile %(name)s, %(n)s location(s)", name=self.name,
                                               n=len(location_ids)),
                        identity_key=f"medsync-recon-{self.id}-{'-'.join(map(str, location_ids))}",
                        )._medsync_reconcile_job(list(location_ids))

    def _medsync_reconcile_job(self, location_ids):
        snap = self.exists()
        if snap and snap.state not in ("done", "cancel"):
            reconcile.reconcile_snapshot(snap, location_ids, trigger="job")
        return len(location_ids)

    def action_approve_all(self):
        """Approve every line waiting for a first approval; say what was
        approved and what now waits for a second approval (four eyes)."""
        self._check_controller()
        todo = self.line_ids.filtered(lambda ln: ln.state == "to_approve")
        if not todo:
            raise UserError(self.env._("No correction waits for a first approval."))
        todo.action_approve()
        done = todo.filtered(lambda ln: ln.state == "approved")
        second = todo - done
        _ = self.env._
        message = _("%(n)s correction(s) approved, net value %(value)s: ready to apply.", n=len(done),
                    value=self._format_value(sum(done.mapped("value"))))
        if second:
            message += " " + _(
                "%(n)s correction(s) above the four-eyes value (net %(value)s) now wait for a second approval by an "
                "inventory administrator: %(lines)s.", n=len(second),
                value=self._format_value(sum(second.mapped("value"))), lines=second._describe(limit=5))
        return self._notify(_("Approved"), message, "warning" if second else "success")

    def action_approve_second_all(self):
        """Second approval (inventory administrator) of every four-eyes line of
        the snapshot that another person approved first."""
        if not self.env.user.has_group("stock.group_stock_manager"):
            raise AccessError(self.env._("The second approval needs an inventory administrator."))
        waiting = self.line_ids.filtered(lambda ln: ln.state == "second")
        if not waiting:
            raise UserError(self.env._("No correction waits for a second approval."))
        mine = waiting.filtered(lambda ln: ln.approved_by_id == self.env.user)
        todo = waiting - mine
        _ = self.env._
        if not todo:
            raise UserError(_(
                "Four eyes: you gave the first approval of the %s correction(s) waiting, so another inventory "
                "administrator must give the second.", len(mine)))
        todo.action_approve_second()
        message = _("Second approval given to %(n)s correction(s), net value %(value)s: ready to apply. %(lines)s.",
                    n=len(todo), value=self._format_value(sum(todo.mapped("value"))),
                    lines=todo._describe(limit=5))
        if mine:
            message += " " + _("%s correction(s) you approved first still wait for another administrator.",
                               len(mine))
        return self._notify(_("Second approval"), message, "warning" if mine else "success")

    def _format_value(self, amount):
        currency = self.currency_id[:1] or self.env.company.currency_id
        return currency.format(amount)

    def _notify(self, title, message, kind="success"):
        """A notification, then the screen reloaded (buttons, counts and lines change)."""
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"title": title, "message": message, "type": kind, "sticky": kind != "success",
                           "next": {"type": "ir.actions.client", "tag": "soft_reload"}}}

    def action_apply(self):
        """Apply the approved corrections through Odoo's inventory adjustment."""
        self._check_controller()
        for snap in self:
            lines = snap.line_ids.filtered(lambda ln: ln.state == "approved" and ln.diff)
            if not lines:
                raise UserError(self.env._("%s has no approved correction to apply.", snap.name))
            lines._apply()
            if not snap.line_ids.filtered(lambda ln: ln.state in ("to_approve", "second", "approved")):
                snap._set_state("done")
        return True

    def action_cancel(self):
        self._check_controller()
        if self.line_ids.filtered(lambda ln: ln.state == "applied"):
            raise UserError(self.env._("Corrections were applied already: the snapshot cannot be cancelled."))
        self._set_state("cancel")
        return True

    def action_view_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("medsync.action_medsync_recon_line")
        action["domain"] = [("snapshot_id", "=", self.id)]
        action["context"] = {"search_default_differences": 1, "search_default_group_class": 1}
        return action


class MedsyncStockSnapshotRow(models.Model):
    _name = "medsync.stock.snapshot.row"
    _description = "MedSync snapshot row (as received)"
    _inherit = ["medsync.guarded"]
    # as received: only the import writes them, only the reconciliation maps them
    _medsync_protected = frozenset({"snapshot_id", "sequence", "location_code", "product_code", "code_kind", "lot",
                                    "expiry", "qty", "unit", "status", "line_id"})
    _order = "snapshot_id, sequence"

    snapshot_id = fields.Many2one("medsync.stock.snapshot", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="snapshot_id.company_id", store=True)
    sequence = fields.Integer("Row", readonly=True)
    location_code = fields.Char(readonly=True)
    product_code = fields.Char(readonly=True)
    code_kind = fields.Selection(CODE_KINDS, readonly=True, default="ref")
    lot = fields.Char(readonly=True)
    expiry = fields.Date(readonly=True)
    qty = fields.Float(readonly=True, digits="Product Unit of Measure")
    unit = fields.Char(readonly=True)
    status = fields.Selection(ROW_STATUSES, default="new", readonly=True, index=True)
    line_id = fields.Many2one("medsync.stock.recon.line", readonly=True, index="btree_not_null", ondelete="set null")


class MedsyncStockReconLine(models.Model):
    _name = "medsync.stock.recon.line"
    _description = "MedSync reconciliation line"
    _inherit = ["medsync.guarded"]
    # the engine's figures and the approvals resting on them: written by the reconciliation and the approval
    # actions only (a new reconciliation replaces the lines, and so resets their approvals)
    _medsync_protected = frozenset({
        "snapshot_id", "company_id", "location_id", "product_id", "lot_id", "lot_name", "expiry", "ext_expiry",
        "ext_qty", "odoo_qty", "quant_qty", "history_qty", "moves_after", "diff", "value", "factor", "drift",
        "in_snapshot", "negative", "expired", "diff_class", "approval", "rule_id", "state", "approved_by_id",
        "approved_diff", "approved_date", "second_approved_by_id", "second_approved_date", "applied_move_id"})
    _medsync_guard_unlink = True
    _order = "snapshot_id, location_id, product_id, lot_id, id"

    snapshot_id = fields.Many2one("medsync.stock.snapshot", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", required=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    location_id = fields.Many2one("stock.location", required=True, index=True, readonly=True)
    location_name = fields.Char("Location name", related="location_id.name",
                                help="The location's own name; its full path is on the line.")
    product_id = fields.Many2one("product.product", required=True, index=True, readonly=True)
    categ_id = fields.Many2one(related="product_id.categ_id", store=True, string="Category")
    uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    lot_id = fields.Many2one("stock.lot", "Odoo lot", readonly=True, index="btree_not_null")
    lot_name = fields.Char("Unknown lot", readonly=True, help="A lot the snapshot names that Odoo does not know.")
    expiry = fields.Date("Expiry (Odoo)", readonly=True)
    ext_expiry = fields.Date("Expiry (external)", readonly=True)
    # quantities are of different products and units: never summed across lines (aggregator=None keeps them out
    # of list group rows and footers); the value at cost is what adds up
    ext_qty = fields.Float("Counted", readonly=True, digits="Product Unit of Measure", aggregator=None,
                           help="What the external count found, in the product's unit.")
    odoo_qty = fields.Float("Odoo at count time", readonly=True, digits="Product Unit of Measure", aggregator=None,
                            help="Odoo's balance at the count time: on hand now minus the moves done since.")
    quant_qty = fields.Float("On hand now", readonly=True, digits="Product Unit of Measure", aggregator=None)
    history_qty = fields.Float("Move history now", readonly=True, digits="Product Unit of Measure", aggregator=None)
    moves_after = fields.Float("Moves since the count", readonly=True, digits="Product Unit of Measure",
                               aggregator=None)
    diff = fields.Float("Difference", readonly=True, digits="Product Unit of Measure", aggregator=None,
                        help="Counted minus Odoo at count time, in the product's unit.")
    value = fields.Monetary("Value", readonly=True, help="The difference at cost: positive when more was counted.")
    factor = fields.Float("Pack factor", readonly=True, aggregator=None)
    drift = fields.Float("Integrity drift", readonly=True, digits="Product Unit of Measure", aggregator=None,
                         help="On hand minus the move history: not zero means the quant is corrupt.")
    in_snapshot = fields.Boolean(readonly=True)
    negative = fields.Boolean("Negative quant", readonly=True)
    expired = fields.Boolean("Expired on hand", readonly=True)
    diff_class = fields.Selection(CLASSES, "Class", readonly=True, index=True)
    approval = fields.Selection(APPROVALS, readonly=True)
    rule_id = fields.Many2one("medsync.stock.tolerance", "Tolerance", readonly=True)
    state = fields.Selection(LINE_STATES, default="none", readonly=True, index=True)
    approved_by_id = fields.Many2one("res.users", "Approved by", readonly=True)
    approved_date = fields.Datetime("Approved on", readonly=True)
    approved_diff = fields.Float("Approved difference", readonly=True, digits="Product Unit of Measure",
                                 aggregator=None,
                                 help="The correction the first approver saw; a second approval and the "
                                      "application hold only while the difference is still this one.")
    second_approved_by_id = fields.Many2one("res.users", "Second approval by", readonly=True)
    second_approved_date = fields.Datetime("Second approval on", readonly=True)
    # indexed: deleting a stock move looks here for the lines that point at it
    applied_move_id = fields.Many2one("stock.move", "Inventory move", readonly=True, index="btree_not_null")
    explanation = fields.Char(compute="_compute_explanation")
    lot_label = fields.Char("Lot", compute="_compute_lot_label", search="_search_lot_label",
                            help="The lot Odoo knows, or the lot the count names that Odoo does not know (new).")

    @api.depends("lot_id.name", "lot_name")
    def _compute_lot_label(self):
        for ln in self:
            ln.lot_label = ln._lot_text()

    def _search_lot_label(self, operator, value):
        if operator in ("=", "!=") and not value:
            empty = ["&", ("lot_id", "=", False), ("lot_name", "in", (False, ""))]
            return empty if operator == "=" else ["!", *empty]
        positive = operator not in ("!=", "not ilike", "not like", "not in")
        op = {"!=": "=", "not ilike": "ilike", "not like": "like", "not in": "in"}.get(operator, operator)
        domain = ["|", ("lot_id.name", op, value), ("lot_name", op, value)]
        return domain if positive else ["!", *domain]

    def _lot_text(self):
        """The line's lot as a person reads it: Odoo's lot, or the counted one
        Odoo does not know yet."""
        self.ensure_one()
        if self.lot_id:
            return self.lot_id.name
        if self.lot_name:
            return self.env._("%s (new)", self.lot_name)
        return ""

    @staticmethod
    def _qty(value):
        """A quantity written shortly: 12, 0.5, 1e+12."""
        return f"{value:.12g}"

    def _swapped_lots(self):
        """For lot-swap lines: (location, product) -> the lines of that place
        and product whose lot differs, in one search for all of them."""
        swaps = self.filtered(lambda ln: ln.diff_class == "lot_swap")
        if not swaps:
            return {}
        siblings = self.search([("snapshot_id", "in", swaps.snapshot_id.ids),
                                ("location_id", "in", swaps.location_id.ids),
                                ("product_id", "in", swaps.product_id.ids), ("diff", "!=", 0)])
        out = defaultdict(lambda: self.browse())
        for ln in siblings:
            out[(ln.snapshot_id.id, ln.location_id.id, ln.product_id.id)] |= ln
        return out

    @api.depends("diff_class", "ext_qty", "odoo_qty", "diff", "factor", "moves_after", "ext_expiry", "expiry",
                 "lot_id", "lot_name")
    def _compute_explanation(self):
        _ = self.env._
        q = self._qty
        swapped = self._swapped_lots()
        for ln in self:
            unit = ln.uom_id.name or ""
            base = _("counted %(ext)s %(unit)s, Odoo %(odoo)s at count time", ext=q(ln.ext_qty), odoo=q(ln.odoo_qty),
                     unit=unit)
            text = {
                "matched": _("Counts agree: %s.", base),
                "expiry_mismatch": _("Counts agree but the external expiry %(ext)s differs from the lot's %(odoo)s.",
                                     ext=ln.ext_expiry, odoo=ln.expiry),
                "uom_error": _("%(base)s: one is %(f)s times the other, a pack counted as units (or the reverse).",
                               base=base, f=q(ln.factor)),
                "timing": _("%(base)s: the %(d)s difference equals moves within an hour of the count.", base=base,
                            d=q(ln.diff)),
                "missing_in_odoo": _("Found externally, none in Odoo: %s.", base),
                "missing_external": _("Not in the full snapshot, %(odoo)s %(unit)s in Odoo.", odoo=q(ln.odoo_qty),
                                      unit=unit),
                "over": _("More counted than Odoo holds: %s.", base),
                "under": _("Less counted than Odoo holds: %s.", base),
                "not_counted": _("Not part of this count."),
            }
            if ln.diff_class == "lot_swap":
                lots = swapped.get((ln.snapshot_id.id, ln.location_id.id, ln.product_id.id)) or ln
                detail = "; ".join(
                    _("lot %(lot)s counted %(ext)s %(unit)s, Odoo %(odoo)s", lot=o._lot_text() or _("(none)"),
                      ext=q(o.ext_qty), odoo=q(o.odoo_qty), unit=unit) for o in lots.sorted(lambda o: o._lot_text()))
                text["lot_swap"] = _("The product's total here agrees; its lots do not: %s.", detail)
            ln.explanation = text.get(ln.diff_class) or ""

    def _describe(self, limit=50):
        """The lines as a person reads them, for notes and notifications."""
        text = "; ".join(
            f"{ln.product_id.display_name} @ {ln.location_id.display_name}"
            f"{' lot ' + ln._lot_text() if ln._lot_text() else ''}: {ln.diff:+.12g} {ln.uom_id.name or ''} "
            f"({ln.currency_id.format(ln.value) if ln.currency_id else f'{ln.value:.2f}'})" for ln in self[:limit])
        return text + (f" (+{len(self) - limit} more)" if len(self) > limit else "")

    # ------------------------------------------------------------------ approvals

    def action_approve(self):
        """First approval (inventory controller). Four-eyes lines then wait for
        an inventory administrator other than this user."""
        if not self.env.user.has_group("medsync.group_medsync_inventory"):
            raise AccessError(self.env._("Only an inventory controller approves count corrections."))
        todo = self.filtered(lambda ln: ln.state == "to_approve")
        if not todo or todo != self:
            raise UserError(self.env._("Only lines waiting for approval can be approved."))
        now = fields.Datetime.now()
        four = todo.filtered(lambda ln: ln.approval == "four_eyes")
        for lines, state in ((four, "second"), (todo - four, "approved")):
            for ln in lines:
                guard.privileged(ln).write({"state": state, "approved_by_id": self.env.uid, "approved_date": now,
                                            "approved_diff": ln.diff})
        todo._log_on_snapshots(self.env._("First approval by %(user)s", user=self.env.user.name),
                               four and self.env._("%s wait for a second approval (four eyes).", len(four)))
        return True

    def action_approve_second(self):
        if not self.env.user.has_group("stock.group_stock_manager"):
            raise AccessError(self.env._("The second approval needs an inventory administrator."))
        if not self or self.filtered(lambda ln: ln.state != "second"):
            raise UserError(self.env._("Only lines waiting for a second approval can get one."))
        if self.filtered(lambda ln: ln.approved_by_id == self.env.user):
            raise UserError(self.env._("Four eyes: the second approval must come from another person."))
        self._check_still_approved()
        guard.privileged(self).write({"state": "approved", "second_approved_by_id": self.env.uid,
                                      "second_approved_date": fields.Datetime.now()})
        self._log_on_snapshots(self.env._("Second approval by %(user)s", user=self.env.user.name))
        return True

    def action_reject(self):
        if not self.env.user.has_group("medsync.group_medsync_inventory"):
            raise AccessError(self.env._("Only an inventory controller rejects count corrections."))
        if not self or self.filtered(lambda ln: ln.state not in ("to_approve", "second", "approved", "review")):
            raise UserError(self.env._("Only open corrections can be rejected."))
        guard.privileged(self).write({"state": "rejected"})
        self._log_on_snapshots(self.env._("Rejected by %(user)s", user=self.env.user.name))
        return True

    def _check_still_approved(self):
        """What was approved is what is corrected: the difference must be the
        one the first approver saw."""
        rounding = self.env["decimal.precision"].precision_get("Product Unit of Measure")
        changed = self.filtered(lambda ln: float_compare(ln.diff, ln.approved_diff, precision_digits=rounding))
        if changed:
            raise UserError(self.env._(
                "The difference changed since it was approved; approve it again: %s",
                ", ".join(f"{ln.product_id.display_name} @ {ln.location_id.display_name}" for ln in changed)))

    def _log_on_snapshots(self, what, more=""):
        """One note per snapshot naming the lines an action decided on."""
        for snap in self.snapshot_id:
            lines = self.filtered(lambda ln, s=snap: ln.snapshot_id == s)
            snap._message_log(body=f"{what}: {len(lines)} correction(s). {more} {lines._describe()}".replace("  ", " "))

    def _apply(self):
        """The approved differences become inventory adjustments: the quant of
        each key is set, in inventory mode, to what it holds now plus the
        difference measured at the count, and Odoo applies it."""
        self._check_still_approved()
        if self.filtered(lambda ln: ln.approval == "four_eyes" and not ln.second_approved_by_id):
            raise UserError(self.env._("Four eyes: these corrections need a second approval before they apply."))
        Quant = self.env["stock.quant"].with_context(inventory_mode=True)
        Lot = self.env["stock.lot"]
        quants = Quant
        targets = {}
        lot_of = {}
        for ln in self:
            lot = ln.lot_id
            if not lot and ln.lot_name and ln.product_id.tracking != "none":
                lot = Lot.search([("name", "=", ln.lot_name), ("product_id", "=", ln.product_id.id),
                                  ("company_id", "in", [ln.company_id.id, False])], limit=1)
                lot = lot or Lot.create({"name": ln.lot_name, "product_id": ln.product_id.id,
                                         "company_id": ln.company_id.id})
            lot_of[ln.id] = lot.id or False
            quant = Quant._gather(ln.product_id, ln.location_id, lot_id=lot or None, strict=True).filtered(
                lambda q: not q.package_id and not q.owner_id)[:1]
            if not quant:
                quant = Quant.create({"product_id": ln.product_id.id, "location_id": ln.location_id.id,
                                      "lot_id": lot.id or False, "inventory_quantity": 0.0})
            target = targets.get(quant.id, quant.quantity) + ln.diff
            targets[quant.id] = target
            quant.inventory_quantity = target
            quants |= quant
        snapshot = self.snapshot_id[:1]
        before = self.env["stock.move"].search([("is_inventory", "=", True)], order="id desc", limit=1).id or 0
        quants.with_context(inventory_name=self.env._("Reconciliation %s", snapshot.name),
                            set_inventory_quantity_auto_apply=True).action_apply_inventory()
        moves = self.env["stock.move"].search([("is_inventory", "=", True), ("id", ">", before)])
        by_key = {(m.product_id.id, (m.location_dest_id if m.location_dest_id.usage == "internal"
                                     else m.location_id).id, m.move_line_ids[:1].lot_id.id or False): m
                  for m in moves}
        for ln in self:
            key = (ln.product_id.id, ln.location_id.id, lot_of[ln.id])
            guard.privileged(ln).write({"state": "applied",
                                        "applied_move_id": by_key.get(key, self.env["stock.move"]).id})
        self._log_on_snapshots(self.env._("Applied by %(user)s as inventory adjustments", user=self.env.user.name))
        return moves


class StockLocationCron(models.AbstractModel):
    _name = "medsync.stock.integrity"
    _description = "MedSync nightly stock integrity check"

    @api.model
    def _cron_check(self, chunk=None):
        """Every company's internal locations, a chunk of locations per job."""
        for company in self.env["res.company"].search([]):
            size = chunk or max(1, company.medsync_chunk_size // 50)
            locs = self.env["stock.location"].search([("usage", "=", "internal"), ("company_id", "=", company.id)],
                                                     order="id")
            for start in range(0, len(locs), size):
                part = locs[start:start + size]
                self.with_company(company).with_delay(
                    channel="root.medsync.reconcile",
                    description=self.env._("MedSync: stock integrity, %s location(s)", len(part)),
                    identity_key=f"medsync-integrity-{company.id}-{part.ids[0]}-{dt.date.today()}",
                )._integrity_job(company.id, part.ids)
        return True

    @api.model
    def _integrity_job(self, company_id, location_ids):
        company = self.env["res.company"].browse(company_id)
        return reconcile.check_integrity(company, location_ids, trigger="job").id
