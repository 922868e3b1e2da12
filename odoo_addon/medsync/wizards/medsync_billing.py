import base64
import csv
import hashlib
import io
import json

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.medsync_billing import GL_GROUP
from ..services import billing, hub
from ..services.hub_base import HubError

HEADER_FIELDS = ("batch_id", "source", "business_date", "currency", "kind", "original", "record_count",
                 "total_debit", "total_credit")
LINE_FIELDS = ("line_id", "code", "department", "payer_class", "facility", "amount", "side", "service_date",
               "payer_ref", "encounter_ref")
TOTAL_FIELDS = ("total_kind", "key", "debit", "credit")
COLUMNS = ("record", *HEADER_FIELDS, *TOTAL_FIELDS, *LINE_FIELDS)
MAX_PROBLEMS = 200


def _check_gl(env):
    if not env.user.has_group(GL_GROUP):
        raise UserError(env._("Only a GL accountant imports billing batches and tests the mapping."))


class MedsyncBillingRuleTest(models.TransientModel):
    """Which rule maps a line, and why every other rule of the source does
    not: the engine's own choice, shown to finance."""

    _name = "medsync.billing.rule.test"
    _description = "Test the billing mapping"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    source = fields.Char(required=True)
    code = fields.Char()
    department = fields.Char()
    payer_class = fields.Char()
    facility = fields.Char()
    date = fields.Date("Business date", required=True, default=fields.Date.context_today)
    result_ids = fields.One2many("medsync.billing.rule.test.line", "test_id", readonly=True)
    verdict = fields.Char(readonly=True)

    def action_test(self):
        self.ensure_one()
        _check_gl(self.env)
        found = billing.explain(self.env, self.company_id, self.source, self.code, self.department,
                                self.payer_class, self.facility, self.date)
        chosen = next((rule for rule, verdict, _r in found if verdict == "chosen"), None)
        self.write({
            "result_ids": [(5, 0, 0)] + [(0, 0, {"rule_id": rule.id, "verdict": verdict, "reason": reason,
                                                 "sequence": i})
                                         for i, (rule, verdict, reason) in enumerate(found)],
            "verdict": self.env._("Mapped by %(r)s → %(a)s, journal %(j)s", r=chosen.display_name,
                                  a=chosen.account_id.display_name, j=chosen.journal_id.name) if chosen else
            self.env._("No rule maps this line: the batch would be rejected (unmapped)."),
        })
        return {"type": "ir.actions.act_window", "res_model": self._name, "res_id": self.id, "view_mode": "form",
                "target": "new", "name": self.env._("Test the mapping")}


class MedsyncBillingRuleTestLine(models.TransientModel):
    _name = "medsync.billing.rule.test.line"
    _description = "Billing mapping test result"
    _order = "sequence"

    test_id = fields.Many2one("medsync.billing.rule.test", required=True, ondelete="cascade")
    sequence = fields.Integer()
    rule_id = fields.Many2one("medsync.billing.rule", readonly=True)
    verdict = fields.Selection([("chosen", "Maps the line"), ("candidate", "Matches, loses"),
                                ("not_effective", "Not effective that day"), ("no_match", "Does not match")],
                               readonly=True)
    reason = fields.Char(readonly=True)


class MedsyncBillingImport(models.TransientModel):
    """A billing platform's batches as a CSV file, for finance: each batch goes
    through the hub as if the platform had posted it (same validation, same
    handler, same idempotency: importing a file twice changes nothing)."""

    _name = "medsync.billing.import"
    _description = "Import billing batches (CSV)"

    system_id = fields.Many2one("medsync.system", "Billing platform", required=True,
                                domain=[("flow_ids.doc_type", "=", "billing_batch")])
    # in the wizard's row, never as an attachment (the filestore keeps files long after), and only ever with
    # its references hashed: create and write hash them before anything is stored (see _scrub)
    file = fields.Binary(required=True, attachment=False)
    file_name = fields.Char()

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._scrub(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._scrub(vals)
        return super().write(vals)

    def _scrub(self, vals):
        """The uploaded file as it will be kept: its payer and encounter
        references replaced by keyed hashes; a column that is not in the
        format (a patient's name...) refuses the file before it is stored."""
        if not vals.get("file"):
            return
        _check_gl(self.env)
        system = self.env["medsync.system"].browse(vals.get("system_id") or self.system_id.id)
        if not system:
            raise UserError(self.env._("Choose the billing platform first."))
        raw = base64.b64decode(vals["file"])
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UserError(self.env._("The file is not UTF-8 text; nothing was stored.")) from exc
        reader = csv.DictReader(io.StringIO(text))
        columns = [(c or "").strip() for c in reader.fieldnames or []]
        unknown = [c for c in columns if c not in COLUMNS]
        if unknown:
            raise UserError(self.env._(
                "Row 1: column(s) %(c)s are not in the billing file format (no patient data is taken); nothing "
                "was stored. The columns are: %(k)s.", c=", ".join(unknown), k=", ".join(COLUMNS)))
        key = billing.company_key(self.env, system.company_id.id)
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in reader:
            row = {(k or "").strip(): v for k, v in row.items() if k}
            for name in billing.REFERENCE_FIELDS:
                if row.get(name):
                    row[name] = billing.keyed_hash(key, row[name].strip())
            writer.writerow(row)
        vals["file"] = base64.b64encode(out.getvalue().encode())

    def action_import(self):
        self.ensure_one()
        _check_gl(self.env)
        raw = base64.b64decode(self.file or b"")
        docs, problems = parse_csv(self.env, raw)
        if problems:
            raise UserError(_problem_text(self.env, problems))
        system = self.system_id
        info = hub._system_info(self.env, system.code)
        if not info or "billing_batch" not in info["flows"]:
            raise UserError(self.env._("%s has no active billing batch flow.", system.name))
        digest = hashlib.sha256(raw).hexdigest()[:16]
        keys, refused = [], []
        for doc, rows in docs:
            # an idempotency key of the file and the batch, whatever characters the batch id has
            key = f"file-{digest}-{hashlib.sha256(doc['batch_id'].encode()).hexdigest()[:16]}"
            try:
                # su: the file goes through the hub's door as the platform would send it (as its user)
                hub.accept(self.env(su=True), info, "billing_batch", json.dumps(doc).encode(), key, None)
            except HubError as exc:
                for p in exc.problems or [hub.Problem("$", exc.code, exc.message)]:
                    refused.append((_row_of(p.path, rows), p.path, p.message))
                continue
            keys.append(key)
        if refused:
            raise UserError(_problem_text(self.env, refused))
        # processed now, in this transaction: the GL accountant sees the batches at once
        msgs = self.env["medsync.message"].sudo().search([("system_id", "=", system.id),
                                                          ("idempotency_key", "in", keys)])
        hub.process(msgs.filtered(lambda m: m.state in hub.WAITING))
        batches = self.env["medsync.billing.batch"].search([("message_id", "in", msgs.ids)])
        return {"type": "ir.actions.act_window", "res_model": "medsync.billing.batch", "name": self.env._("Imported"),
                "view_mode": "list,form", "domain": [("id", "in", batches.ids)]}


def _row_of(path, rows):
    """The file row of a document path: lines[3] → that line's row, else the
    batch's header row."""
    if path.startswith("lines[") and "]" in path:
        index = path[6:path.index("]")]
        if index.isdigit() and int(index) < len(rows["lines"]):
            return rows["lines"][int(index)]
    if path.startswith("totals[") and "]" in path:
        index = path[7:path.index("]")]
        if index.isdigit() and int(index) < len(rows["totals"]):
            return rows["totals"][int(index)]
    return rows["header"]


def _problem_text(env, problems):
    shown = sorted(problems, key=lambda p: p[0])[:MAX_PROBLEMS]
    lines = [env._("Row %(row)s (%(field)s): %(msg)s", row=row, field=field, msg=msg) for row, field, msg in shown]
    more = len(problems) - len(shown)
    if more > 0:
        lines.append(env._("... and %s more.", more))
    return env._("The file was not imported (%s problem(s)); nothing was written:\n", len(problems)) + \
        "\n".join(lines)


def parse_csv(env, raw):
    """Batches of a CSV file: one row per record, ``record`` = H (a batch's
    header), T (a control total: total_kind, key, debit, credit) or L (a
    line), every row naming its ``batch_id``. Returns ``[(document, rows)]``
    (rows: the file row of the header, of each total and of each line) and
    the problems ``(row, field, message)``; row 1 is the column titles."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [(1, "file", env._("The file is not UTF-8 text."))]
    reader = csv.DictReader(io.StringIO(text))
    cols = {c.strip() for c in reader.fieldnames or []}
    needed = {"record", "batch_id"}
    if not needed <= cols:
        return [], [(1, "columns", env._("Columns missing: %s", ", ".join(sorted(needed - cols))))]
    docs, order, problems = {}, [], []
    for n, r in enumerate(reader, start=2):
        r = {(k or "").strip(): (v or "").strip() for k, v in r.items() if k}
        kind, bid = r.get("record", "").upper(), r.get("batch_id", "")
        if not bid:
            problems.append((n, "batch_id", env._("is required")))
            continue
        if kind == "H":
            if bid in docs:
                problems.append((n, "batch_id", env._("batch %s has a second header row", bid)))
                continue
            doc = {k: r[k] for k in HEADER_FIELDS if r.get(k)}
            for k in ("record_count",):
                if k in doc and doc[k].lstrip("-").isdigit():
                    doc[k] = int(doc[k])
            docs[bid] = (doc, {"header": n, "totals": [], "lines": []})
            order.append(bid)
        elif kind in ("T", "L"):
            if bid not in docs:
                problems.append((n, "batch_id", env._("batch %s has no header row above this row", bid)))
                continue
            doc, rows = docs[bid]
            if kind == "T":
                doc.setdefault("totals", []).append({"kind": r.get("total_kind", ""), "key": r.get("key", ""),
                                                     "debit": r.get("debit") or "0", "credit": r.get("credit") or "0"})
                rows["totals"].append(n)
            else:
                doc.setdefault("lines", []).append({k: r[k] for k in LINE_FIELDS if r.get(k)})
                rows["lines"].append(n)
        else:
            problems.append((n, "record", env._("must be H, T or L")))
    if not order and not problems:
        problems.append((1, "file", env._("The file has no batch.")))
    return [docs[b] for b in order], problems
