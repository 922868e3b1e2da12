"""Import an external stock snapshot from a CSV or XLSX file.

Columns (header row, any order, case-insensitive): ``location``,
``product``, ``qty`` (required); ``kind`` (ref, vendor, gtin, gs1, hibc),
``lot``, ``expiry`` (YYYY-MM-DD), ``unit`` (optional). A file is checked
whole before anything is written: a malformed one is refused with the row
and the reason, and the same file twice is refused by its content hash.
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
        snapshot = self.env["medsync.stock.snapshot"]._medsync_import(
            source=self.source, as_of=self.as_of, scope=self.scope, rows=rows, content=raw, file_name=self.file_name)
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
            try:
                dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
            except csv.Error:
                dialect = csv.excel
            table = list(csv.reader(io.StringIO(text), dialect))
        table = [r for r in table if any((c or "").strip() if isinstance(c, str) else c is not None for c in r)]
        if len(table) < 2:
            raise UserError(_("The file has no data rows (a header row and at least one row are needed)."))
        header = [str(h or "").strip().lower().replace(" ", "_") for h in table[0]]
        cols = {}
        for i, h in enumerate(header):
            if h not in ALIASES:
                raise UserError(_("Unknown column %(col)r. Known columns: %(known)s.", col=table[0][i],
                                  known=", ".join(sorted(set(ALIASES)))))
            cols[ALIASES[h]] = i
        missing = [c for c in REQUIRED if c not in cols]
        if missing:
            raise UserError(_("Missing column(s): %s.", ", ".join(missing)))
        out = []
        for n, r in enumerate(table[1:], start=2):
            def cell(name, r=r):
                i = cols.get(name)
                return r[i] if i is not None and i < len(r) else None

            def text(name):
                v = cell(name)
                return "" if v is None else str(v).strip()

            qty = cell("qty")
            try:
                qty = float(str(qty).strip().replace(",", ".")) if not isinstance(qty, (int, float)) else float(qty)
            except ValueError as exc:
                raise UserError(_("Row %(row)s: quantity %(qty)r is not a number.", row=n, qty=qty)) from exc
            if qty != qty or qty in (float("inf"), float("-inf")):
                raise UserError(_("Row %(row)s: quantity %(qty)r is not a number.", row=n, qty=qty))
            if qty < 0:
                raise UserError(_("Row %(row)s: a counted quantity cannot be negative (%(qty)s).", row=n, qty=qty))
            expiry = cell("expiry")
            if isinstance(expiry, dt.datetime):
                expiry = expiry.date()
            elif expiry not in (None, ""):
                try:
                    expiry = dt.date.fromisoformat(str(expiry).strip()[:10])
                except ValueError as exc:
                    raise UserError(_("Row %(row)s: expiry %(e)r is not a date (YYYY-MM-DD).", row=n,
                                      e=expiry)) from exc
            else:
                expiry = None
            kind = text("code_kind").lower()
            if kind not in KINDS:
                raise UserError(_("Row %(row)s: code kind %(k)r is not one of ref, vendor, gtin, gs1, hibc.", row=n,
                                  k=kind))
            if not text("location_code") or not text("product_code"):
                raise UserError(_("Row %s: location and product are required.", n))
            out.append({"location_code": text("location_code"), "product_code": text("product_code"),
                        "code_kind": kind or "ref", "lot": text("lot"), "expiry": expiry, "qty": qty,
                        "unit": text("unit")})
        self._check_codes(out)
        return out

    @api.model
    def _check_codes(self, rows):
        """Bar codes and GTINs checked by the engine, in one call for the whole
        file (it parses them before it maps anything), before anything is saved."""
        mc = engine.core(self.env)
        cols = {"location_code": [r["location_code"] for r in rows],
                "product_code": [r["product_code"] for r in rows],
                "code_kind": [r["code_kind"] for r in rows], "lot": [r["lot"] for r in rows],
                "qty": [r["qty"] for r in rows]}
        try:
            mc.reconcile_stock(cols, {"location_id": []}, {"code": [], "product_id": []}, {"product_id": []},
                               as_of=int(dt.datetime.now().timestamp()))
        except mc.InputError as exc:
            detail = str(exc).split(": ", 1)[-1]
            raise UserError(self.env._("Row %(row)s: %(msg)s", row=(exc.row or 0) + 2, msg=detail)) from exc

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
        values["sequence"] = list(range(1, len(rows) + 1))
        bulk.insert(self.env.cr, "medsync_stock_snapshot_row",
                    [*zip(names, types, strict=True), ("sequence", "int")], values,
                    constants=[("snapshot_id", snapshot.id), ("company_id", company.id), ("status", "new"),
                               *bulk.log_access(self.env, now)])
        snapshot.invalidate_recordset(["row_ids"])
        return snapshot.with_env(self.env)
