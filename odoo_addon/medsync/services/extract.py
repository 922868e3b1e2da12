"""The analytics feed: incremental, partitioned Parquet extracts of MedSync's
facts and dimensions (issue 24). The data contract (docs/data-contract.md)
is written from :data:`TABLES`; :func:`contract_markdown` gives its tables
section and a test keeps the two equal.

A run reads every table at one snapshot through a read-only cursor
(``registry.cursor(readonly=True)``: Odoo's read replica when
``db_replica_host`` is set, the primary otherwise), in chunks of at most
``chunk_rows`` rows, each chunk one ``COPY (SELECT ...) TO STDOUT`` parsed by
pyarrow. It writes per table and partition one Parquet file named by the run,
then a manifest (tables, partitions, row counts, SHA-256 checksums, schema
version, watermark), last.

Which rows a run reads:

- A row's *change stamp* (``changed_at``) is the latest ``write_date`` of the
  records it is made of (a purchase order line's stamp moves when its order,
  an acknowledgement or a receipt of it changes).
- A full run reads every row stamped up to its watermark ``to``: the start of
  its read transaction (on a replica, no later than the last replayed commit).
- An incremental run reads the rows stamped in ``[from, to]``, where ``from``
  is the previous run's ``to`` minus the *overlap* (60 minutes by default).
  Odoo stamps ``write_date`` with its transaction's start, so a transaction
  that commits after a run but started before it has rows stamped before that
  run's watermark: the overlap re-reads them. The rows the previous run
  already wrote with the same stamp (its *seen set*, the rows it read stamped
  within the overlap) are left out, so a run with nothing new writes nothing.
- Deletions come from the tombstone table, filled by a statement trigger on
  each extracted table (ORM unlinks, cascades and SQL deletes alike), and
  appear in the ``deletions`` table read with the same watermark.

Re-running a run (same window, same previous seen set) on unchanged data
writes the same bytes: rows are sorted by key, chunks and row groups cut at
the same places, and the manifest holds no clock time.
"""

import hashlib
import io
import json
import os
import re
import time
from dataclasses import dataclass, field

from odoo.tools import SQL

SCHEMA_VERSION = 1
DEFAULT_OVERLAP_MINUTES = 60
DEFAULT_CHUNK_ROWS = 200_000
ROW_GROUP_ROWS = 131_072
COMPRESSION = "zstd"


def _pa():
    # imported by a run only (a declared dependency of the addon: Odoo refuses to install without it)
    try:
        import pyarrow
        import pyarrow.csv
        import pyarrow.parquet
    except ImportError:  # pragma: no cover - the README's setup installs it
        return None
    return pyarrow


# ------------------------------------------------------------------------------------------ contract

TYPES = {
    # code: (arrow type factory, SQL cast giving COPY's CSV text the parser reads, contract name)
    "int": (lambda pa: pa.int64(), "::bigint", "int64"),
    "str": (lambda pa: pa.string(), "::text", "string"),
    "dec": (lambda pa: pa.decimal128(24, 6), "::numeric(24,6)", "decimal(24,6)"),
    "ts": (lambda pa: pa.timestamp("us"), "::timestamp(6)", "timestamp (UTC, µs)"),
    "date": (lambda pa: pa.date32(), "::date", "date"),
    "bool": (lambda pa: pa.bool_(), "::boolean", "bool"),
}


@dataclass(frozen=True)
class Col:
    name: str
    type: str
    sql: str  # an expression over the table's FROM clause (constant text, no input)
    doc: str


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    source: str  # the database table whose ids are the keys (alias t)
    columns: tuple
    # constant FROM-clause text after "<source> t"; %(plan)s is the Departments plan, {chunk:<column>} restricts
    # <column> to the ids of the chunk read (an aggregate of related rows is made for the chunk's rows only)
    joins: str = ""
    scope_joins: str = ""  # the joins ``scope`` needs (an incremental run's lookup of changed ids)
    scope: str = "TRUE"  # which source rows belong to the table
    stamp: str = "t.write_date"  # the change stamp: the latest write of what the row is made of
    stamp_column: str = "write_date"  # the source's own stamp column (looked up by an incremental run)
    # subqueries giving the ids of source rows touched through related records since %(lo)s
    touch: tuple = ()
    partition: str = ""  # SQL giving 'YYYY-MM' (partitioned by month), or empty: one partition
    partition_doc: str = ""
    kind: str = "fact"  # "fact" or "dimension"
    deletes: bool = True  # deletions of the source table are in the deletions table
    key_doc: str = "id"
    group: str = ""  # the module whose table this is; a table of a missing module is left out


def _c(name, type_, sql, doc):
    return Col(name, type_, sql, doc)


def _month(expr):
    return f"to_char(date_trunc('month', {expr}), 'YYYY-MM')"


ID = _c("id", "int", "t.id", "The record's id: the key.")
COMPANY = _c("company_id", "int", "t.company_id", "Company (res.company id).")


def _changed():
    return _c("changed_at", "ts", "{stamp}", "Change stamp: the latest write of what the row is made of. Of two rows "
              "with the same key, the later stamp is the current one.")


# the department of a stock location: its own or its nearest ancestor's medsync_department (a department code)
LOCATION_DEPARTMENT = """(SELECT d.medsync_department FROM stock_location d
                           WHERE d.medsync_department IS NOT NULL AND starts_with({loc}.parent_path, d.parent_path)
                           ORDER BY length(d.parent_path) DESC LIMIT 1)"""


def _loc_dept(alias):
    return LOCATION_DEPARTMENT.format(loc=alias)


def _dept_join(alias, column):
    """A join giving ``alias``.dept, the department code of the location ``column``: computed once per location
    (a hash join), not once per row."""
    return f"LEFT JOIN (SELECT l.id, {_loc_dept('l')} AS dept FROM stock_location l) {alias} ON {alias}.id = {column}"


TABLES = (
    Table(
        name="purchase_order_lines", source="purchase_order_line",
        doc="Purchase order lines, with their order, first acknowledgement and receipts.",
        joins="""JOIN purchase_order o ON o.id = t.order_id
                 LEFT JOIN res_currency cur ON cur.id = o.currency_id
                 LEFT JOIN (
                     SELECT a.line_id, MIN(a.received_at) AS first_at, MAX(a.write_date) AS wd,
                            (ARRAY_AGG(a.status ORDER BY a.received_at DESC, a.id DESC))[1] AS status
                       FROM medsync_po_ack a WHERE {chunk:a.line_id} GROUP BY a.line_id) ack ON ack.line_id = t.id
                 LEFT JOIN (
                     SELECT m.purchase_line_id, MIN(m.date) FILTER (WHERE m.state = 'done') AS first_at,
                            MAX(m.date) FILTER (WHERE m.state = 'done') AS last_at, MAX(m.write_date) AS wd
                       FROM stock_move m WHERE {chunk:m.purchase_line_id} GROUP BY m.purchase_line_id) rcv
                   ON rcv.purchase_line_id = t.id""",
        scope="t.display_type IS NULL",
        stamp="GREATEST(t.write_date, o.write_date, ack.wd, rcv.wd)",
        touch=("SELECT l.id FROM purchase_order_line l WHERE l.order_id IN "
               "(SELECT p.id FROM purchase_order p WHERE p.write_date >= %(lo)s)",
               "SELECT a.line_id FROM medsync_po_ack a WHERE a.write_date >= %(lo)s",
               "SELECT m.purchase_line_id FROM stock_move m WHERE m.write_date >= %(lo)s "
               "AND m.purchase_line_id IS NOT NULL"),
        partition=_month("o.date_order"), partition_doc="month of the order date",
        columns=(
            ID, COMPANY,
            _c("order_id", "int", "t.order_id", "Purchase order (purchase.order id)."),
            _c("order_name", "str", "o.name", "The order's reference."),
            _c("vendor_id", "int", "o.partner_id", "Vendor (res.partner id, see vendors)."),
            _c("product_id", "int", "t.product_id", "Product (see products)."),
            _c("department", "str", """CASE WHEN t.analytic_distribution IS NOT NULL THEN (
                     SELECT a.code FROM jsonb_each_text(t.analytic_distribution) dist,
                            unnest(string_to_array(dist.key, ',')) acc
                       JOIN account_analytic_account a ON a.id = acc::int
                      WHERE a.plan_id = %(plan)s
                      ORDER BY dist.value::numeric DESC, a.code LIMIT 1) END""",
               "Department code: the line's analytic account of the Departments plan with the largest share; empty "
               "when none."),
            _c("state", "str", "o.state", "Order state (draft, sent, to approve, purchase, done, cancel)."),
            _c("product_qty", "dec", "t.product_qty", "Quantity ordered, in the line's unit."),
            _c("qty_received", "dec", "t.qty_received", "Quantity received."),
            _c("qty_invoiced", "dec", "t.qty_invoiced", "Quantity billed."),
            _c("price_unit", "dec", "t.price_unit", "Unit price, in the order's currency."),
            _c("price_subtotal", "dec", "t.price_subtotal", "Line amount before tax, in the order's currency."),
            _c("currency", "str", "cur.name", "The order's currency (ISO code)."),
            _c("currency_rate", "dec", "o.currency_rate", "Order currency per company currency at the order."),
            _c("requested_at", "ts", "o.create_date", "When the order was created (the request)."),
            _c("date_order", "ts", "o.date_order", "Order date."),
            _c("confirmed_at", "ts", "o.date_approve", "When the order was confirmed."),
            _c("date_planned", "ts", "t.date_planned", "Expected arrival."),
            _c("first_ack_at", "ts", "ack.first_at", "First acknowledgement received from the vendor."),
            _c("ack_status", "str", "ack.status", "The vendor's latest answer (accepted, changed, backordered, "
               "rejected...)."),
            _c("first_receipt_at", "ts", "rcv.first_at", "First done receipt of the line."),
            _c("last_receipt_at", "ts", "rcv.last_at", "Last done receipt of the line."),
            _changed(),
        )),
    Table(
        name="receipts", source="stock_picking",
        doc="Receipts from vendors (incoming transfers).",
        joins="JOIN stock_picking_type pt ON pt.id = t.picking_type_id " + _dept_join("dd", "t.location_dest_id"),
        scope="pt.code = 'incoming'", scope_joins="JOIN stock_picking_type pt ON pt.id = t.picking_type_id",
        partition=_month("COALESCE(t.date_done, t.scheduled_date)"),
        partition_doc="month of the receipt (done date, else scheduled date)",
        columns=(
            ID, COMPANY,
            _c("name", "str", "t.name", "The receipt's reference."),
            _c("vendor_id", "int", "t.partner_id", "Vendor (res.partner id)."),
            _c("purchase_order_id", "int", "(SELECT MIN(pl.order_id) FROM stock_move m JOIN purchase_order_line pl "
               "ON pl.id = m.purchase_line_id WHERE m.picking_id = t.id)", "Purchase order received against, if any."),
            _c("location_dest_id", "int", "t.location_dest_id", "Where it was received (see locations)."),
            _c("department", "str", "dd.dept", "Department code of the destination location."),
            _c("state", "str", "t.state", "Transfer state (draft, waiting, assigned, done, cancel)."),
            _c("scheduled_at", "ts", "t.scheduled_date", "Scheduled date."),
            _c("done_at", "ts", "t.date_done", "When the receipt was validated."),
            _changed(),
        )),
    Table(
        name="bills", source="account_move",
        doc="Vendor bills and refunds, with MedSync's match and hold state.",
        joins="LEFT JOIN res_currency cur ON cur.id = t.currency_id",
        scope="t.move_type IN ('in_invoice', 'in_refund')",
        partition=_month("COALESCE(t.invoice_date, t.date)"), partition_doc="month of the bill date",
        columns=(
            ID, COMPANY,
            _c("name", "str", "t.name", "The bill's number."),
            _c("ref", "str", "t.ref", "The vendor's invoice reference."),
            _c("move_type", "str", "t.move_type", "in_invoice (bill) or in_refund (refund)."),
            _c("vendor_id", "int", "t.commercial_partner_id", "Vendor (res.partner id)."),
            _c("invoice_date", "date", "t.invoice_date", "Bill date."),
            _c("accounting_date", "date", "t.date", "Accounting date."),
            _c("due_date", "date", "t.invoice_date_due", "Due date."),
            _c("currency", "str", "cur.name", "The bill's currency."),
            _c("amount_untaxed", "dec", "-t.amount_untaxed_signed", "Amount before tax, company currency "
               "(positive for a bill, negative for a refund)."),
            _c("amount_total", "dec", "-t.amount_total_signed", "Total, company currency."),
            _c("amount_residual", "dec", "-t.amount_residual_signed", "Still to pay, company currency."),
            _c("state", "str", "t.state", "draft, posted or cancel."),
            _c("payment_state", "str", "t.payment_state", "not_paid, partial, in_payment, paid, reversed."),
            _c("match_state", "str", "t.medsync_match_state", "MedSync three-way match: none, matched, hold, "
               "released..."),
            _c("hold_reason", "str", "t.medsync_hold_reason", "Why it is held (the rules that failed)."),
            _c("hold_released_at", "ts", "t.medsync_hold_release_date", "When a hold was released."),
            _c("compliance_hold", "bool", "t.medsync_compliance_hold", "Held because the vendor is not cleared."),
            _c("created_at", "ts", "t.create_date", "When the bill was created in Odoo."),
            _changed(),
        )),
    Table(
        name="match_results", source="medsync_match_result",
        doc="Three-way match results: one row per bill line and matching run (a result is never changed; a bill "
            "line's current result is its latest).",
        stamp="t.date", stamp_column="date",
        partition=_month("t.date"), partition_doc="month of the match",
        columns=(
            ID, COMPANY,
            _c("run_id", "int", "t.run_id", "The matching run."),
            _c("bill_id", "int", "t.move_id", "Bill (see bills)."),
            _c("bill_line_id", "int", "t.move_line_id", "Bill line (account.move.line id)."),
            _c("purchase_order_line_id", "int", "t.purchase_line_id", "PO line matched (see purchase_order_lines)."),
            _c("vendor_id", "int", "t.partner_id", "Vendor."),
            _c("product_id", "int", "t.product_id", "Product."),
            _c("status", "str", "t.status", "matched, within_tolerance, price_favourable, price_variance, "
               "qty_over_received, ..."),
            _c("level", "str", "t.level", "two_way or three_way."),
            _c("hold", "bool", "t.hold", "Whether this result holds the bill."),
            _c("qty", "dec", "t.qty", "Quantity billed."),
            _c("qty_ordered", "dec", "t.qty_ordered", "Quantity ordered."),
            _c("qty_received", "dec", "t.qty_received", "Quantity received."),
            _c("price", "dec", "t.price", "Net unit price billed."),
            _c("price_po", "dec", "t.price_po", "Unit price on the PO."),
            _c("amount_variance", "dec", "t.amount_total_variance", "Total variance, company currency."),
            _c("amount_on_hold", "dec", "t.amount_on_hold", "Amount held by this line, company currency."),
            _c("matched_at", "ts", "t.date", "When the run matched it."),
            _changed(),
        )),
    Table(
        name="exceptions", source="medsync_exception",
        doc="Exceptions (the work queue) with their life cycle.",
        joins="LEFT JOIN medsync_team tm ON tm.id = t.owner_team_id",
        partition=_month("t.create_date"), partition_doc="month the exception was raised",
        columns=(
            ID, COMPANY,
            _c("reason_code", "str", "t.reason_code", "Reason (PRICE_VARIANCE, X12_NO_ACK, ...)."),
            _c("engine", "str", "t.engine", "The engine that raised it."),
            _c("severity", "str", "t.severity", "low, medium, high, critical."),
            _c("state", "str", "t.state", "open, in_progress, resolved, waived..."),
            _c("team_id", "int", "t.owner_team_id", "Owning team (medsync.team id)."),
            _c("team", "str", "tm.name->>'en_US'", "Owning team's name."),
            _c("document_model", "str", "t.res_model", "Model of the document concerned."),
            _c("document_id", "int", "t.res_id", "Id of the document concerned."),
            _c("vendor_id", "int", "t.partner_id", "Vendor concerned, if any."),
            _c("product_id", "int", "t.product_id", "Product concerned, if any."),
            _c("amount", "dec", "t.amount", "Value at stake, company currency."),
            _c("occurrences", "int", "t.occurrence_count", "Times it was seen."),
            _c("escalated", "bool", "t.escalated", "Escalated past its SLA."),
            _c("raised_at", "ts", "t.create_date", "When it was raised."),
            _c("due_at", "ts", "t.date_due", "SLA due date."),
            _c("last_seen_at", "ts", "t.date_last_seen", "When it was last seen."),
            _c("closed_at", "ts", "t.date_closed", "When it was resolved or waived."),
            _changed(),
        )),
    Table(
        name="stock_moves", source="stock_move",
        doc="Stock moves (receipts, transfers, cabinet consumption, adjustments), with departments and value.",
        joins="""JOIN stock_location sl ON sl.id = t.location_id
                 JOIN stock_location dl ON dl.id = t.location_dest_id
                 LEFT JOIN stock_picking_type pt ON pt.id = t.picking_type_id
                 """ + _dept_join("sd", "t.location_id") + " " + _dept_join("dd", "t.location_dest_id") + """
                 LEFT JOIN (SELECT v.stock_move_id, SUM(v.value) AS value, MAX(v.write_date) AS wd
                              FROM stock_valuation_layer v WHERE {chunk:v.stock_move_id}
                             GROUP BY v.stock_move_id) val ON val.stock_move_id = t.id""",
        partition=_month("t.date"), partition_doc="month of the move date",
        columns=(
            ID, COMPANY,
            _c("product_id", "int", "t.product_id", "Product."),
            _c("quantity", "dec", "t.product_qty", "Quantity in the product's unit."),
            _c("state", "str", "t.state", "draft, waiting, assigned, done, cancel."),
            _c("date", "ts", "t.date", "Move date (when done: the date it was done)."),
            _c("location_id", "int", "t.location_id", "From (see locations)."),
            _c("location_dest_id", "int", "t.location_dest_id", "To (see locations)."),
            _c("from_usage", "str", "sl.usage", "Usage of the source (supplier, internal, customer, inventory...)."),
            _c("to_usage", "str", "dl.usage", "Usage of the destination."),
            _c("from_department", "str", "sd.dept", "Department code of the source location."),
            _c("to_department", "str", "dd.dept", "Department code of the destination location."),
            _c("picking_id", "int", "t.picking_id", "Transfer (receipts for incoming ones)."),
            _c("picking_kind", "str", "pt.code", "incoming, outgoing, internal; empty for moves without a type."),
            _c("purchase_order_line_id", "int", "t.purchase_line_id", "PO line received, if any."),
            _c("value", "dec", "val.value", "Stock valuation of the move, company currency (empty: not valued)."),
            _changed(),
        ),
        touch=("SELECT v.stock_move_id FROM stock_valuation_layer v WHERE v.write_date >= %(lo)s "
               "AND v.stock_move_id IS NOT NULL",),
        stamp="GREATEST(t.write_date, val.wd)"),
    Table(
        name="consumption_events", source="medsync_consumption_event",
        doc="Supply cabinet usage events (issue, return, waste...) and how they were applied. No charge or patient "
            "reference.",
        partition=_month("t.time"), partition_doc="month of the event",
        columns=(
            ID, COMPANY,
            _c("system_id", "int", "t.system_id", "Cabinet system (medsync.system id)."),
            _c("cabinet", "str", "t.cabinet", "Cabinet code."),
            _c("event_ref", "str", "t.event_ref", "The cabinet system's event reference."),
            _c("event_at", "ts", "t.time", "When it happened at the cabinet."),
            _c("kind", "str", "t.kind", "issue, return, waste, restock, count."),
            _c("department", "str", "t.department", "Department code."),
            _c("product_id", "int", "t.product_id", "Product, when known."),
            _c("quantity", "dec", "t.product_qty", "Quantity in the product's unit."),
            _c("state", "str", "t.state", "applied, held, ignored..."),
            _c("status", "str", "t.status", "The engine's status."),
            _c("stock_move_id", "int", "t.move_id", "The stock move it made."),
            _c("expired", "bool", "t.expired", "The lot was expired."),
            _c("recalled", "bool", "t.recalled", "The lot was recalled."),
            _c("late", "bool", "t.late", "Arrived late."),
            _changed(),
        )),
    Table(
        name="reconciliation_differences", source="medsync_stock_recon_line",
        doc="Inventory reconciliation lines: counted against Odoo, classified, approved and applied.",
        joins="""JOIN medsync_stock_snapshot s ON s.id = t.snapshot_id
                 LEFT JOIN stock_lot lot ON lot.id = t.lot_id """ + _dept_join("ld", "t.location_id"),
        stamp="GREATEST(t.write_date, s.write_date)",
        touch=("SELECT r.id FROM medsync_stock_recon_line r WHERE r.snapshot_id IN "
               "(SELECT s.id FROM medsync_stock_snapshot s WHERE s.write_date >= %(lo)s)",),
        partition=_month("s.as_of"), partition_doc="month of the count",
        columns=(
            ID, COMPANY,
            _c("snapshot_id", "int", "t.snapshot_id", "The count (medsync.stock.snapshot id)."),
            _c("snapshot_source", "str", "s.source", "The system that counted."),
            _c("counted_at", "ts", "s.as_of", "When it was counted."),
            _c("location_id", "int", "t.location_id", "Location."),
            _c("department", "str", "ld.dept", "Department code of the location."),
            _c("product_id", "int", "t.product_id", "Product."),
            _c("lot", "str", "COALESCE(lot.name, t.lot_name)", "Lot."),
            _c("counted_qty", "dec", "t.ext_qty", "Quantity counted."),
            _c("odoo_qty", "dec", "t.odoo_qty", "Odoo's quantity at count time."),
            _c("difference", "dec", "t.diff", "Counted minus Odoo."),
            _c("value", "dec", "t.value", "Value of the difference, company currency."),
            _c("diff_class", "str", "t.diff_class", "Class (matched, over, under, timing, lot...)."),
            _c("approval", "str", "t.approval", "Approval needed."),
            _c("state", "str", "t.state", "none, to_approve, approved, applied, rejected..."),
            _c("approved_at", "ts", "t.approved_date", "First approval."),
            _c("second_approved_at", "ts", "t.second_approved_date", "Second approval."),
            _c("applied_move_id", "int", "t.applied_move_id", "The inventory move applying it."),
            _changed(),
        )),
    Table(
        name="billing_batches", source="medsync_billing_batch",
        doc="Billing platform batches and their posting to the ledger.",
        partition=_month("t.business_date"), partition_doc="month of the business date",
        columns=(
            ID, COMPANY,
            _c("name", "str", "t.name", "Batch reference."),
            _c("system_id", "int", "t.system_id", "Billing platform (medsync.system id)."),
            _c("business_date", "date", "t.business_date", "The platform's business date."),
            _c("kind", "str", "t.kind", "original or correction."),
            _c("corrects_id", "int", "t.original_id", "The batch a correction corrects."),
            _c("state", "str", "t.state", "received, validated, posted, rejected, reversed..."),
            _c("total_debit", "dec", "t.total_debit", "Declared debit."),
            _c("total_credit", "dec", "t.total_credit", "Declared credit."),
            _c("lines_debit", "dec", "t.lines_debit", "Debit of the lines."),
            _c("lines_credit", "dec", "t.lines_credit", "Credit of the lines."),
            _c("journal_entry_id", "int", "t.move_id", "The journal entry posted."),
            _c("posting_date", "date", "t.posting_date", "The entry's accounting date."),
            _c("validated_at", "ts", "t.validated_at", "When it was validated."),
            _c("posted_at", "ts", "t.posted_at", "When it was posted."),
            _changed(),
        )),
    Table(
        name="billing_lines", source="medsync_billing_line",
        doc="Billing batch lines as mapped to the ledger. The payer and encounter references are left out.",
        joins="""JOIN medsync_billing_batch b ON b.id = t.batch_id
                 LEFT JOIN account_account acc ON acc.id = t.account_id
                 LEFT JOIN account_analytic_account dep ON dep.id = t.analytic_department_id""",
        stamp="GREATEST(t.write_date, b.write_date)",
        touch=("SELECT l.id FROM medsync_billing_line l WHERE l.batch_id IN "
               "(SELECT b.id FROM medsync_billing_batch b WHERE b.write_date >= %(lo)s)",),
        partition=_month("b.business_date"), partition_doc="month of the batch's business date",
        columns=(
            ID,
            _c("company_id", "int", "b.company_id", "Company."),
            _c("batch_id", "int", "t.batch_id", "Batch (see billing_batches)."),
            _c("code", "str", "t.code", "Charge code."),
            _c("department", "str", "COALESCE(dep.code, t.department)", "Department code."),
            _c("payer_class", "str", "t.payer_class", "Payer class (a category, not a payer)."),
            _c("facility", "str", "t.facility", "Facility."),
            _c("side", "str", "t.side", "debit or credit."),
            _c("balance", "dec", "t.balance", "Debit positive, credit negative, company currency."),
            _c("service_date", "date", "t.service_date", "Date of service."),
            _c("account_code", "str", "acc.code_store->>(b.company_id::text)", "GL account code."),
            _changed(),
        )),
    Table(
        name="scorecards", source="medsync_scorecard",
        doc="Supplier scorecards: one row per company, vendor, product category (empty: all) and month.",
        partition=_month("t.month"), partition_doc="scorecard month",
        columns=(
            ID, COMPANY,
            _c("vendor_id", "int", "t.partner_id", "Vendor."),
            _c("category_id", "int", "t.category_id", "Product category; empty for the vendor's overall card."),
            _c("month", "date", "t.month", "First day of the month."),
            _c("is_latest", "bool", "t.is_latest", "The vendor's latest month."),
            _c("score", "dec", "t.score", "Score out of 100."),
            _c("standing", "str", "t.standing", "preferred, approved, watch, probation..."),
            _c("otif", "dec", "t.otif", "On time in full, %."),
            _c("fill_rate", "dec", "t.fill_rate", "Fill rate, %."),
            _c("backorder_rate", "dec", "t.backorder_rate", "Backorder rate, %."),
            _c("lead_time_days", "dec", "t.lead_time_days", "Average lead time, days."),
            _c("ack_latency_hours", "dec", "t.ack_latency_hours", "Average acknowledgement latency, hours."),
            _c("lines_due", "int", "t.lines_due", "Lines due in the month."),
            _changed(),
        )),
    Table(
        name="vendors", source="res_partner", kind="dimension",
        doc="Vendors (companies with a supplier rank; a person is never in this table, whatever their rank) with "
            "their compliance status and latest overall scorecard.",
        joins="""LEFT JOIN res_country c ON c.id = t.country_id
                 LEFT JOIN LATERAL (SELECT s.score, s.standing, s.month, s.write_date FROM medsync_scorecard s
                                     WHERE s.partner_id = t.id AND s.category_id IS NULL AND s.is_latest
                                     ORDER BY s.month DESC, s.id DESC LIMIT 1) sc ON TRUE""",
        # companies only: a person with a supplier rank (a patient refunded through payables, a locum) is never
        # extracted; the facts keep their id only
        scope="t.supplier_rank > 0 AND t.parent_id IS NULL AND t.is_company IS TRUE",
        stamp="GREATEST(t.write_date, sc.write_date)",
        touch=("SELECT s.partner_id FROM medsync_scorecard s WHERE s.write_date >= %(lo)s",),
        columns=(
            ID,
            _c("company_id", "int", "t.company_id", "Company, empty when shared."),
            _c("name", "str", "t.name", "Name."),
            _c("vat", "str", "t.vat", "Tax id."),
            _c("country", "str", "c.code", "Country (ISO code)."),
            _c("active", "bool", "t.active", "Active."),
            _c("compliance_state", "str", "t.medsync_compliance_state", "Vendor compliance status (cleared, "
               "blocked, pending...)."),
            _c("compliance_decided_at", "ts", "t.medsync_compliance_date", "When compliance last decided."),
            _c("score", "dec", "sc.score", "Latest overall scorecard score."),
            _c("standing", "str", "sc.standing", "Latest standing."),
            _c("score_month", "date", "sc.month", "Month of that scorecard."),
            _changed(),
        )),
    Table(
        name="products", source="product_product", kind="dimension",
        doc="Products.",
        joins="""JOIN product_template pt ON pt.id = t.product_tmpl_id
                 LEFT JOIN product_category cat ON cat.id = pt.categ_id
                 LEFT JOIN uom_uom u ON u.id = pt.uom_id""",
        stamp="GREATEST(t.write_date, pt.write_date)",
        touch=("SELECT p.id FROM product_product p WHERE p.product_tmpl_id IN "
               "(SELECT pt.id FROM product_template pt WHERE pt.write_date >= %(lo)s)",),
        columns=(
            ID,
            _c("company_id", "int", "pt.company_id", "Company, empty when shared."),
            _c("default_code", "str", "t.default_code", "Internal reference."),
            _c("name", "str", "pt.name->>'en_US'", "Name (English)."),
            _c("category_id", "int", "pt.categ_id", "Category id."),
            _c("category", "str", "cat.complete_name", "Category path."),
            _c("uom", "str", "u.name->>'en_US'", "Unit of measure."),
            _c("type", "str", "pt.type", "consu, service, combo."),
            _c("is_storable", "bool", "pt.is_storable", "Tracked in stock."),
            _c("tracking", "str", "pt.tracking", "none, lot, serial."),
            _c("active", "bool", "t.active", "Active."),
            _changed(),
        )),
    Table(
        name="departments", source="account_analytic_account", kind="dimension",
        doc="Departments: the analytic accounts of the Departments plan (their code is the department code used "
            "by every other table).",
        scope="t.plan_id = %(plan)s",
        columns=(
            ID,
            _c("company_id", "int", "t.company_id", "Company, empty when shared."),
            _c("code", "str", "t.code", "Department code."),
            _c("name", "str", "t.name->>'en_US'", "Name."),
            _c("active", "bool", "t.active", "Active."),
            _changed(),
        )),
    Table(
        name="locations", source="stock_location", kind="dimension",
        doc="Stock locations with their department.",
        columns=(
            ID,
            _c("company_id", "int", "t.company_id", "Company, empty when shared."),
            _c("name", "str", "t.complete_name", "Full name."),
            _c("usage", "str", "t.usage", "internal, supplier, customer, inventory, production, transit, view."),
            _c("parent_id", "int", "t.location_id", "Parent location."),
            _c("department", "str", _loc_dept("t"), "Department code (its own or its nearest parent's)."),
            _c("active", "bool", "t.active", "Active."),
            _changed(),
        )),
    Table(
        name="kpi_facts", source="medsync_kpi_fact",
        doc="The dashboards' stored KPI facts (services/kpi*.py defines each KPI).",
        stamp="t.refreshed_at", stamp_column="refreshed_at",
        partition=_month("t.date"), partition_doc="month of the fact's date",
        columns=(
            ID, COMPANY,
            _c("date", "date", "t.date", "The day (or the first day of the month for a monthly KPI)."),
            _c("kpi", "str", "t.kpi", "KPI code."),
            _c("dimension", "str", "t.dimension", "The breakdown; empty for the total."),
            _c("dim_key", "str", "t.dim_key", "The breakdown's key (vendor id, department code...)."),
            _c("dim_label", "str", "t.dim_label", "The key's label where stored."),
            _c("value", "dec", "t.value", "The figure."),
            _c("amount", "dec", "t.amount", "Its amount, company currency."),
            _c("count", "int", "t.count", "How many records it covers."),
            _c("refreshed_at", "ts", "t.refreshed_at", "When it was computed."),
        )),
)

DELETIONS = Table(
    name="deletions", source="medsync_extract_tombstone", deletes=False,
    doc="Rows deleted from the tables above (a consumer drops the key from that table).",
    stamp="t.deleted_at", stamp_column="deleted_at",
    partition=_month("t.deleted_at"), partition_doc="month of the deletion",
    key_doc="id (of the deletion); (table, key) names the row deleted",
    columns=(
        ID,
        _c("table", "str", "t.table_name", "The extract table the row was in."),
        _c("key", "int", "t.res_id", "Its id."),
        _c("deleted_at", "ts", "t.deleted_at", "When it was deleted (the deleting transaction's start)."),
    ))

ALL_TABLES = (*TABLES, DELETIONS)
# database table -> extract tables its deletions remove rows from (the tombstone triggers)
TOMBSTONE_SOURCES = sorted({t.source for t in TABLES if t.deletes})


def tombstone_names(source):
    return [t.name for t in TABLES if t.source == source and t.deletes]


# ------------------------------------------------------------------------------------------- reading

def _select(table, chunk, plan_id, where=None, extra=None):
    """The SELECT of ``table``'s columns for the source rows of ``chunk`` that ``where`` and ``extra`` select
    (SQL over alias t), with the stamp as changed_at and the partition as _partition, ordered by id."""
    cols = []
    for col in columns(table):
        expr = col.sql.replace("{stamp}", table.stamp)
        if col.type == "bool":  # Odoo leaves an unset boolean NULL: it is false
            expr = f"COALESCE({expr}, FALSE)"
        cols.append(f"({expr}){TYPES[col.type][1]} AS {_quote(col.name)}")
    cols.append(f"COALESCE({table.partition}, '') AS _partition" if table.partition else "'' AS _partition")
    text = f"SELECT {', '.join(cols)} FROM {table.source} t {table.joins} WHERE ({table.scope}) AND "
    # ordered by the source's own id (its primary key's order: no sort)
    return SQL("%s%s AND %s AND %s ORDER BY t.id", _bind(text, plan_id, chunk), _chunk(SQL("t.id"), chunk),
               where or SQL("TRUE"), extra or SQL("TRUE"))


def _chunk(column, chunk):
    """``column`` restricted to a chunk: ("range", first, end) or ("ids", [ids])."""
    if chunk[0] == "range":
        return SQL("%s >= %s AND %s < %s", column, chunk[1], column, chunk[2])
    # a semi-join: the planner probes the column's index per id, where "= ANY" made it scan the whole table
    return SQL("%s IN (SELECT unnest(%s::int[]))", column, chunk[1])


def _bind(text, plan_id, chunk=None):
    """Constant SQL text of a definition as SQL: %(plan)s bound to ``plan_id``, {chunk:<column>} to the chunk
    (TRUE without one)."""
    parts, args = [], []
    for i, piece in enumerate(re.split(r"(%\(plan\)s|\{chunk:[a-z_.]+\})", text)):
        if i % 2 == 0:
            parts.append(piece)
        elif piece == "%(plan)s":
            parts.append("%s")
            args.append(plan_id)
        else:
            parts.append("%s")
            args.append(_chunk(SQL(piece[7:-1]), chunk) if chunk else SQL("TRUE"))
    return SQL("".join(parts), *args)


def _quote(name):
    return f'"{name}"'


def _touch_sql(table, lo, plan_id):
    """The ids of the rows of ``table`` changed since ``lo``: their own stamp column, or a related record."""
    head = SQL("SELECT t.id FROM %s t %s WHERE (%s)", SQL.identifier(table.source), _bind(table.scope_joins, plan_id),
               _bind(table.scope, plan_id))
    parts = [SQL("%s AND t.%s >= %s", head, SQL.identifier(table.stamp_column), lo)]
    for sub in table.touch:
        parts.append(SQL("%s AND t.id IN (%s)", head, SQL(sub.replace("%(lo)s", "%s"), lo)))
    return SQL("SELECT DISTINCT id FROM (%s) u ORDER BY id", SQL(" UNION ALL ").join(parts))


def columns(table):
    """The columns of ``table`` as written: its own, and ``changed_at`` where it does not name it."""
    if any(c.name == "changed_at" for c in table.columns):
        return table.columns
    return (*table.columns, _c("changed_at", "ts", "{stamp}", f"Change stamp: the row's `{table.stamp_column}`."))


def arrow_schema(pa, table):
    return pa.schema([pa.field(c.name, TYPES[c.type][0](pa)) for c in columns(table)])


def _read_chunk(pa, cr, table, query):
    """One COPY of ``query`` parsed into an Arrow table (columns of the contract, plus _partition)."""
    buf = io.BytesIO()
    cr._obj.copy_expert(
        b"COPY (" + cr.mogrify(query.code, query.params) + b") TO STDOUT WITH (FORMAT csv)", buf)
    buf.seek(0)
    schema = arrow_schema(pa, table)
    names = [*schema.names, "_partition"]
    types = {f.name: f.type for f in schema}
    types["_partition"] = pa.string()
    if not buf.getbuffer().nbytes:
        return pa.table({n: pa.array([], type=types[n]) for n in names})
    return pa.csv.read_csv(
        buf,
        read_options=pa.csv.ReadOptions(column_names=names, use_threads=False, block_size=1 << 24),
        parse_options=pa.csv.ParseOptions(newlines_in_values=True),
        convert_options=pa.csv.ConvertOptions(
            column_types=types, true_values=["t"], false_values=["f"], strings_can_be_null=True,
            quoted_strings_can_be_null=False, timestamp_parsers=["%Y-%m-%d %H:%M:%S", pa.csv.ISO8601]))


# ------------------------------------------------------------------------------------------- writing

class PartitionWriter:
    """The Parquet files of one table in one run: one file per partition,
    row groups cut every ROW_GROUP_ROWS rows, in arrival (id) order."""

    def __init__(self, pa, root, table, run_name, tmp):
        self.pa, self.root, self.table, self.run_name, self.tmp = pa, root, table, run_name, tmp
        self.schema = arrow_schema(pa, table)
        self.buffers = {}
        self.writers = {}
        self.rows = {}

    def relpath(self, partition):
        if self.table.partition:
            return os.path.join(self.table.name, f"month={partition or 'none'}", f"{self.run_name}.parquet")
        return os.path.join(self.table.name, f"{self.run_name}.parquet")

    def add(self, chunk):
        pa = self.pa
        if not chunk.num_rows:
            return
        parts = chunk.column("_partition")
        data = chunk.drop_columns(["_partition"])
        for value in sorted(pa.compute.unique(parts).to_pylist(), key=lambda v: v or ""):
            mask = pa.compute.equal(parts, value) if value is not None else pa.compute.is_null(parts)
            rows = data.filter(mask)
            self.buffers.setdefault(value or "", []).append(rows)
            self.rows[value or ""] = self.rows.get(value or "", 0) + rows.num_rows
            self._flush(value or "", final=False)

    def _flush(self, partition, final):
        pa = self.pa
        pending = self.buffers.get(partition) or []
        total = sum(t.num_rows for t in pending)
        if not total or (not final and total < ROW_GROUP_ROWS):
            return
        data = pa.concat_tables(pending).cast(self.schema)
        writer = self.writers.get(partition)
        if writer is None:
            path = os.path.join(self.tmp, self.relpath(partition))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            writer = self.writers[partition] = pa.parquet.ParquetWriter(
                path, self.schema, compression=COMPRESSION, write_statistics=True, use_dictionary=True)
        cut = total if final else total - total % ROW_GROUP_ROWS
        writer.write_table(data.slice(0, cut), row_group_size=ROW_GROUP_ROWS)
        self.buffers[partition] = [data.slice(cut)] if cut < total else []

    def close(self):
        """Finish every file; returns {partition: (relpath, rows)}."""
        for partition in sorted(self.buffers):
            self._flush(partition, final=True)
        out = {}
        for partition, writer in sorted(self.writers.items()):
            writer.close()
            out[partition] = (self.relpath(partition), self.rows[partition])
        return out


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _ts(value):
    """A watermark as text (microseconds, UTC, no zone)."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f") if value else None


@dataclass
class Window:
    kind: str  # "full" or "incremental"
    lo: object  # datetime or None (full)
    hi: object  # datetime
    seen: dict = field(default_factory=dict)  # table -> (ids, stamps) the previous run already wrote


def read_window(ro_cr):
    """The watermark of a run reading through ``ro_cr``: the start of its
    transaction, no later than the last replayed commit on a replica. Also
    says where it reads."""
    ro_cr.execute(SQL("""SELECT NOW() AT TIME ZONE 'UTC', pg_is_in_recovery(),
                                pg_last_xact_replay_timestamp() AT TIME ZONE 'UTC',
                                current_setting('port')::int, current_setting('application_name')"""))
    now, recovery, replayed, port, _app = ro_cr.fetchone()
    hi = min(now, replayed) if recovery and replayed else now
    return hi, {"replica": bool(recovery), "port": port}


def extract(ro_cr, root, run_name, window, plan_id, chunk_rows=DEFAULT_CHUNK_ROWS, overlap=None, tables=None,
            existing=None, log=None):
    """Write the files of one run under ``root`` and return its manifest
    (without writing it) and the seen set to keep: {table: [(id, stamp)]},
    the rows this run or an earlier one wrote stamped after
    ``window.hi - overlap``.

    ``existing``: the database tables present (a table whose source is not
    is left out, with the reason in the manifest)."""
    pa = _pa()
    if pa is None:
        raise RuntimeError("pyarrow is not installed")
    import pyarrow.compute  # noqa: F401 (loads pa.compute)

    # one backend core for the whole run: reporting must not take the database's other cores
    ro_cr.execute(SQL("SET LOCAL max_parallel_workers_per_gather = 0"))
    # the chunks' plans are simple: compiling them (JIT) cost more than running them
    ro_cr.execute(SQL("SET LOCAL jit = off"))
    ro_cr.execute(SQL("SET LOCAL work_mem = '64MB'"))  # a chunk's joins sort in memory
    tmp = os.path.join(root, f".tmp-{run_name}")
    os.makedirs(tmp, exist_ok=True)
    manifest_tables = {}
    seen_out = {}
    keep_after = window.hi - overlap if overlap is not None else window.hi
    for table in tables or ALL_TABLES:
        started = time.monotonic()
        if existing is not None and table.source not in existing:
            continue
        writer = PartitionWriter(pa, root, table, run_name, tmp)
        stamp = SQL(f"({table.stamp})")  # constant text of the definition
        extra = SQL("COALESCE(%s, '-infinity') <= %s", stamp, window.hi)
        seen_ids, seen_stamps = window.seen.get(table.name, ([], []))
        if window.kind == "full":
            ro_cr.execute(SQL("SELECT MIN(id), MAX(id) FROM %s", SQL.identifier(table.source)))
            first, last = ro_cr.fetchone()
            chunks = []
            if first is not None:
                chunks = [("range", a, a + chunk_rows)
                          for a in range(first, last + 1, chunk_rows)]
        else:
            ro_cr.execute(_touch_sql(table, window.lo, plan_id))
            ids = [r[0] for r in ro_cr.fetchall()]
            chunks = [("ids", ids[i:i + chunk_rows]) for i in range(0, len(ids), chunk_rows)]
            if seen_ids:
                extra = SQL("%s AND NOT EXISTS (SELECT 1 FROM unnest(%s::int[], %s::timestamp[]) seen_(id, at) "
                            "WHERE seen_.id = t.id AND seen_.at = %s)", extra, seen_ids, seen_stamps, stamp)
        # the seen set goes on: what earlier runs wrote still within the overlap, and what this run reads
        seen = {i: at for i, at in zip(seen_ids, seen_stamps, strict=True) if at >= keep_after}
        for part in chunks:
            chunk = _read_chunk(pa, ro_cr, table, _select(table, part, plan_id, extra=extra))
            writer.add(chunk)
            recent = chunk.filter(pa.compute.greater_equal(chunk.column("changed_at"),
                                                           pa.scalar(keep_after, pa.timestamp("us"))))
            if recent.num_rows:
                seen.update(zip(recent.column("id").to_pylist(), recent.column("changed_at").to_pylist(), strict=True))
        files = writer.close()
        seen_out[table.name] = sorted(seen.items())
        parts = []
        for partition, (rel, rows) in files.items():
            parts.append({"partition": partition, "path": rel.replace(os.sep, "/"), "rows": rows,
                          "sha256": _sha256(os.path.join(tmp, rel)),
                          "bytes": os.path.getsize(os.path.join(tmp, rel))})
        manifest_tables[table.name] = {
            "kind": "deletions" if table is DELETIONS else table.kind,
            "key": "id",
            "partitioned_by": table.partition_doc or None,
            "rows": sum(p["rows"] for p in parts),
            "files": parts,
            "columns": [{"name": f.name, "type": str(f.type)} for f in arrow_schema(pa, table)],
        }
        if log:
            log(table.name, manifest_tables[table.name]["rows"], time.monotonic() - started)
    # files into place (a partial run leaves only its temporary folder, which the next try replaces)
    for info in manifest_tables.values():
        for part in info["files"]:
            dest = os.path.join(root, part["path"])
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            os.replace(os.path.join(tmp, part["path"]), dest)
    _rmtree(tmp)
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "run": run_name,
        "kind": window.kind,
        "watermark": {"from": _ts(window.lo), "to": _ts(window.hi),
                      "overlap_minutes": int(overlap.total_seconds() // 60) if overlap is not None else None},
        "tables": manifest_tables,
    }
    return manifest, seen_out


def _rmtree(path):
    for base, dirs, files in os.walk(path, topdown=False):
        for f in files:
            os.remove(os.path.join(base, f))
        for d in dirs:
            os.rmdir(os.path.join(base, d))
    if os.path.isdir(path):
        os.rmdir(path)


def write_manifest(root, manifest):
    """The manifest, last: ``_manifests/<run>.json``, written whole then renamed."""
    folder = os.path.join(root, "_manifests")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{manifest['run']}.json")
    data = json.dumps(manifest, indent=1, sort_keys=True).encode()
    with open(path + ".part", "wb") as f:
        f.write(data)
    os.replace(path + ".part", path)
    return path, hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------------------------------ contract

def contract_markdown():
    """The tables section of docs/data-contract.md, from :data:`ALL_TABLES`."""
    out = []
    for table in ALL_TABLES:
        out.append(f"### `{table.name}`\n")
        out.append(f"{table.doc}\n")
        kind = "deletions" if table is DELETIONS else table.kind
        part = f"by {table.partition_doc} (`month=YYYY-MM`)" if table.partition else "none (one file per run)"
        deleted = ("rows deleted in Odoo appear in `deletions` with `table` = "
                   f"`{table.name}`" if table.deletes else "never deleted")
        out.append(f"- Kind: {kind}. Key: `{table.key_doc}`. Source: `{table.source}`.")
        out.append(f"- Partitioned: {part}.")
        out.append(f"- Deletions: {deleted}.\n")
        out.append("| Column | Type | Meaning |")
        out.append("|---|---|---|")
        for col in columns(table):
            out.append(f"| `{col.name}` | {TYPES[col.type][2]} | {col.doc} |")
        out.append("")
    return "\n".join(out)
