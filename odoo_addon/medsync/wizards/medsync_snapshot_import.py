"""Import an external stock snapshot from a CSV or XLSX file.

Columns (header row, any order, case-insensitive): ``location``,
``product``, ``qty`` (required); ``kind`` (ref, vendor, gtin, gs1, hibc),
``lot``, ``expiry`` (YYYY-MM-DD), ``unit`` (optional). A file is checked
whole before anything is written: a malformed one is refused with every bad
row (up to ``MAX_PROBLEMS``), each numbered as a spreadsheet shows it (the
header is row 1, the first data row row 2) with its column and the problem,
and nothing is saved. The same file twice is refused by its content hash.
"""

import base64
import csv
import datetime as dt
import hashlib
import io

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..services import bulk, engine, guard

ALIASES = {
    "location": "location_code", "location_code": "location_code", "bin": "location_code", "gln": "location_code",
    "product": "product_code", "product_code": "product_code", "code": "product_code", "barcode": "product_code",
    "kind": "code_kind", "code_kind": "code_kind",
    "lot": "lot", "batch": "lot",
    "expiry": "expiry", "expiration": "expiry", "expiry_date": "expiry",
    "qty": "qty", "quantity": "qty", "count": "qty",
    "unit": "unit", "uom": "unit",
}
REQUIRED = ("location_code", "product_code", "qty")
KINDS = {"ref", "vendor", "gtin", "gs1", "hibc", ""}
MAX_PROBLEMS = 100  # problems listed in one message; a file with more is refused all the same
MAX_QTY = 1e9  # a counted quantity above this is a typo or a bar code in the wrong column
# the engine's snapshot fields -> the wizard's column names
ENGINE_FIELDS = {"snapshot.location_code": "location_code", "snapshot.product_code": "product_code",
                 "snapshot.code_kind": "code_kind", "snapshot.lot": "lot", "snapshot.expiry": "expiry",
                 "snapshot.qty": "qty", "snapshot.unit": "unit"}


def _short(value, limit=40):
    """A cell as the user typed it, shortened: numbers in their short form
    (1e+308, not 309 digits), text cut at ``limit`` characters."""
    if isinstance(value, float):
        return f"{value:.6g}"
    text = str(value).strip()
    return repr(text if len(text) <= limit else text[:limit] + "…")


class MedsyncSnapshotImport(models.TransientModel):
    _name = "medsync.snapshot.import"
    _description = "Import a stock snapshot"

    file = fields.Binary(required=True)
    file_name = fields.Char()
    source = fields.Char(required=True, help="Warehouse tool, cabinet or site that counted.")
    as_of = fields.Datetime("Counted at", required=True, default=fields.Datetime.now)
    scope = fields.Selection([("full", "Full (missing rows mean zero)"), ("partial", "Partial (only what is listed)")],
                             required=True, default="full")
    reconcile_now = fields.Boolean(default=True)

    def action_import(self):
        self.ensure_one()
        raw = base64.b64decode(self.file or b"")
        rows = self._parse(raw, self.file_name or "")
        # all or nothing, even for a caller that catches the error and goes on in the same transaction
        with self.env.cr.savepoint():
            snapshot = self.env["medsync.stock.snapshot"]._medsync_import(
                source=self.source, as_of=self.as_of, scope=self.scope, rows=rows, content=raw,
                file_name=self.file_name)
            if self.reconcile_now:
                snapshot.action_reconcile()
        return {"type": "ir.actions.act_window", "res_model": "medsync.stock.snapshot", "res_id": snapshot.id,
                "view_mode": "form", "target": "current"}

    @api.model
    def _parse(self, raw, file_name):
        _ = self.env._
        if not raw:
            raise UserError(_("The file is empty."))
        if file_name.lower().endswith((".xlsx", ".xlsm")):
            table = self._read_xlsx(raw)
        else:
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise UserError(_("The file is neither UTF-8 CSV nor XLSX.")) from exc
            if "\x00" in text:
                # a NUL is never part of a count (a binary file, or a broken export): say where, store nothing
                rows = sorted({n for n, line in enumerate(text.splitlines(), start=1) if "\x00" in line})
                raise UserError(_("The file holds NUL characters (a binary file or a broken export?), row(s) %s.",
                                  ", ".join(map(str, rows[:20])) + (" …" if len(rows) > 20 else "")))
            try:
                dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
            except csv.Error:
                dialect = csv.excel
            table = list(csv.reader(io.StringIO(text), dialect))
        # row numbers as a spreadsheet shows them: blank rows are skipped but still counted
        numbered = [(n, r) for n, r in enumerate(table, start=1)
                    if any((c or "").strip() if isinstance(c, str) else c is not None for c in r)]
        if len(numbered) < 2:
            raise UserError(_("The file has no data rows (a header row and at least one row are needed)."))
        (header_row, head), data = numbered[0], numbered[1:]
        header = [str(h or "").strip().lower().replace(" ", "_") for h in head]
        cols, names = {}, {}
        for i, h in enumerate(header):
            if not h and all(i >= len(r) or r[i] in (None, "") for _n, r in data):
                continue  # an empty trailing column (a spreadsheet's stray separator)
            if h not in ALIASES:
                raise UserError(_("Unknown column %(col)r in the header (row %(row)s). Known columns: %(known)s.",
                                  col=str(head[i] or ""), row=header_row, known=", ".join(sorted(set(ALIASES)))))
            cols[ALIASES[h]] = i
            names[ALIASES[h]] = str(head[i]).strip()
        missing = [c for c in REQUIRED if c not in cols]
        if missing:
            raise UserError(_("Missing column(s): %s.", ", ".join(missing)))
        problems, out = [], []
        for n, r in data:
            row, bad = self._parse_row(r, cols)
            problems += [(n, names.get(col, col), msg) for col, msg in bad]
            if not bad:
                row["row"] = n
                out.append(row)
        # the engine's code checks on the rows Python found sound, so each problem is reported once
        room = MAX_PROBLEMS - len(problems)
        if room > 0 and out:
            problems += self._code_problems(out, [r["row"] for r in out], names, limit=room)
        if problems:
            raise UserError(self._problems_message(problems))
        return out

    @api.model
    def _parse_row(self, r, cols):
        """One data row: (values, [(column, problem), ...])."""
        _ = self.env._
        bad = []

        def cell(name):
            i = cols.get(name)
            return r[i] if i is not None and i < len(r) else None

        def text(name):
            v = cell(name)
            return "" if v is None else str(v).strip()

        raw_qty = cell("qty")
        qty = None
        if raw_qty is None or (isinstance(raw_qty, str) and not raw_qty.strip()):
            bad.append(("qty", _("the quantity is missing")))
        else:
            try:
                qty = float(raw_qty) if isinstance(raw_qty, (int, float)) else float(
                    str(raw_qty).strip().replace(",", "."))
            except (ValueError, OverflowError):
                bad.append(("qty", _("quantity %s is not a number", _short(raw_qty))))
            else:
                if qty != qty or qty in (float("inf"), float("-inf")):
                    bad.append(("qty", _("quantity %s is not a number", _short(raw_qty))))
                elif qty < 0:
                    bad.append(("qty", _("a counted quantity cannot be negative (%s)", _short(qty))))
                elif qty > MAX_QTY:
                    bad.append(("qty", _("quantity %(qty)s is too large (at most %(max)s)", qty=_short(qty),
                                         max=f"{MAX_QTY:,.0f}")))
        expiry = cell("expiry")
        if isinstance(expiry, dt.datetime):
            expiry = expiry.date()
        elif isinstance(expiry, dt.date):
            pass
        elif expiry not in (None, "") and str(expiry).strip():
            try:
                expiry = dt.date.fromisoformat(str(expiry).strip()[:10])
            except ValueError:
                bad.append(("expiry", _("expiry %s is not a date (YYYY-MM-DD)", _short(expiry))))
        else:
            expiry = None
        kind = text("code_kind").lower()
        if kind not in KINDS:
            bad.append(("code_kind", _("code kind %s is not one of ref, vendor, gtin, gs1, hibc", _short(kind))))
        if not text("location_code"):
            bad.append(("location_code", _("the location is missing")))
        if not text("product_code"):
            bad.append(("product_code", _("the product is missing")))
        return {"location_code": text("location_code"), "product_code": text("product_code"),
                "code_kind": kind or "ref", "lot": text("lot"), "expiry": expiry, "qty": qty,
                "unit": text("unit")}, bad

    @api.model
    def _problems_message(self, problems):
        _ = self.env._
        problems = sorted(problems, key=lambda p: p[0])
        rows = len({p[0] for p in problems})
        listed = problems[:MAX_PROBLEMS]
        lines = [_("Row %(row)s, column %(col)s: %(msg)s.", row=n, col=col, msg=msg) for n, col, msg in listed]
        head = _("The file was not imported (nothing was saved): %(n)s problem(s) in %(rows)s row(s). Rows are "
                 "numbered as a spreadsheet shows them, the header being row 1.", n=len(problems), rows=rows)
        if len(problems) >= MAX_PROBLEMS:
            head += " " + _("Only the first %s problems are listed; fix them and import again.", MAX_PROBLEMS)
        return "\n".join([head, *lines])

    @api.model
    def _check_codes(self, rows, row_numbers=None):
        """Bar codes and GTINs checked by the engine for the whole file before
        anything is saved; every bad code (up to MAX_PROBLEMS) in one UserError.
        ``row_numbers``: the rows' numbers in the file (else 2, 3, ...)."""
        numbers = row_numbers or [r.get("row") or i + 2 for i, r in enumerate(rows)]
        problems = self._code_problems(rows, numbers, {}, limit=MAX_PROBLEMS)
        if problems:
            raise UserError(self._problems_message(problems))

    @api.model
    def _code_problems(self, rows, numbers, names, limit=MAX_PROBLEMS):
        """[(row number, column, problem)] found by the engine, which parses
        every code before it maps anything and stops at the first bad one: it
        is called again after each bad row (one call per problem, the batch
        still crossing the boundary whole). ``names``: the file's column names."""
        mc = engine.core(self.env)
        problems = []
        start = 0
        while start < len(rows) and len(problems) < limit:
            part = rows[start:]
            cols = {"location_code": [r["location_code"] for r in part],
                    "product_code": [r["product_code"] for r in part],
                    "code_kind": [r["code_kind"] for r in part], "lot": [r["lot"] for r in part],
                    "expiry": [r.get("expiry") for r in part], "qty": [r["qty"] for r in part]}
            try:
                mc.reconcile_stock(cols, {"location_id": []}, {"code": [], "product_id": []}, {"product_id": []},
                                   as_of=int(dt.datetime.now().timestamp()))
                break
            except mc.InputError as exc:
                detail = exc.message  # the location is in exc.field and exc.row
                col = ENGINE_FIELDS.get(exc.field, exc.field or "")
                col = names.get(col, col.removesuffix("_code") if col else "")
                if exc.row is None or not 0 <= exc.row < len(part):
                    problems.append((numbers[start], col, detail))
                    break
                i = start + exc.row
                problems.append((numbers[i], col, detail))
                start = i + 1
        return problems

    @api.model
    def _read_xlsx(self, raw):
        try:
            import openpyxl  # optional, part of Odoo's requirements
        except ImportError as exc:
            raise UserError(self.env._("Reading XLSX needs openpyxl on the server; upload a CSV instead.")) from exc
        try:
            book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        except Exception as exc:  # any parse failure is the user's file: say so plainly
            raise UserError(self.env._("The XLSX file cannot be read: %s", exc)) from exc
        return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]


class MedsyncStockSnapshotImport(models.Model):
    _inherit = "medsync.stock.snapshot"

    @api.model
    def _medsync_import(self, source, as_of, scope, rows, content, file_name=None):
        """Create a snapshot and its raw rows in one go (the API uses this too).
        The same content twice is refused; rows are written in one INSERT."""
        if not self.env.user.has_group("medsync.group_medsync_inventory"):
            raise UserError(self.env._("Only an inventory controller imports stock snapshots."))
        digest = hashlib.sha256(content).hexdigest()
        company = self.env.company
        dup = self.search([("company_id", "=", company.id), ("content_hash", "=", digest)], limit=1)
        if dup:
            raise UserError(self.env._("This file was already imported as %(name)s on %(date)s.", name=dup.name,
                                       date=dup.create_date))
        # privileged: the hash and the file are set here, from the content read above, never by the caller
        snapshot = guard.privileged(self).create({
            "source": source, "as_of": as_of, "scope": scope, "content_hash": digest,
            "file": base64.b64encode(content), "file_name": file_name, "company_id": company.id})
        names = ["location_code", "product_code", "code_kind", "lot", "expiry", "qty", "unit"]
        types = ["varchar", "varchar", "varchar", "varchar", "date", "float8", "varchar"]
        now = fields.Datetime.now()
        values = {n: [r[n] if t == "float8" else (r[n] or None) for r in rows] for n, t in zip(names, types,
                                                                                               strict=True)}
        # the file's own row numbers when the rows come from a file (the errors use them too)
        values["sequence"] = [r.get("row") or n for n, r in enumerate(rows, start=1)]
        bulk.insert(self.env.cr, "medsync_stock_snapshot_row",
                    [*zip(names, types, strict=True), ("sequence", "int")], values,
                    constants=[("snapshot_id", snapshot.id), ("company_id", company.id), ("status", "new"),
                               *bulk.log_access(self.env, now)])
        snapshot.invalidate_recordset(["row_ids"])
        return snapshot.with_env(self.env)
