"""Tracked changes written in bulk into Odoo's chatter tables.

When an engine changes a tracked field on thousands of documents in one
statement, Odoo's tracking does not run. ``log_changes`` writes what it would
have written: per document one note (``mail.message``, subtype Note, authored
by the acting user's partner) carrying one ``mail.tracking.value`` per changed
field, plus an optional text body (the reasons). Two COPY statements for any
number of documents. As Odoo's own ``_message_log``, it notifies nobody, so it
never fails for a user without an e-mail address.
"""

from markupsafe import Markup, escape

from odoo import fields
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id

from . import bulk


def log_changes(env, model, changes):
    """``changes``: list of ``(res_id, {field: (old, new)}, body)`` where old
    and new are raw values of selection, char, datetime or many2one (id)
    fields of ``model``; ``body`` is plain text or empty. Returns the number
    of notes written."""
    changes = [c for c in changes if c[1]]
    if not changes:
        return 0
    Model = env[model]
    env.flush_all()  # the rows below refer to records that must be in the database
    names = sorted({name for _res, vals, _body in changes for name in vals})
    field_ids = {name: env["ir.model.fields"]._get(model, name).id for name in names}
    selections = {name: dict(Model._fields[name]._description_selection(env)) for name in names
                  if Model._fields[name].type == "selection"}
    now = fields.Datetime.now()
    author = env.user.partner_id.id
    subtype = env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
    ids = [r[0] for r in env.execute_query(SQL(
        "SELECT nextval(pg_get_serial_sequence('mail_message', 'id')) FROM generate_series(1, %s)", len(changes)))]
    bulk.insert(env.cr, "mail_message",
                [("id", "int"), ("res_id", "int"), ("body", "text"), ("message_id", "varchar")],
                {"id": ids, "res_id": [c[0] for c in changes],
                 "body": [_html(c[2]) for c in changes],
                 "message_id": [generate_tracking_message_id("message-notify") for _c in changes]},
                constants=[("model", model), ("message_type", "notification"), ("subtype_id", subtype),
                           ("author_id", author), ("is_internal", True), ("date", now),
                           *bulk.log_access(env, now)])
    rows = {"mail_message_id": [], "field_id": [], "old_value_char": [], "new_value_char": [],
            "old_value_integer": [], "new_value_integer": [], "old_value_datetime": [], "new_value_datetime": []}
    for msg_id, (_res, vals, _body) in zip(ids, changes, strict=True):
        for name, (old, new) in sorted(vals.items()):
            rows["mail_message_id"].append(msg_id)
            rows["field_id"].append(field_ids[name])
            for side, value in (("old", old), ("new", new)):
                char, integer, when = _tracking_value(Model, name, value, selections.get(name))
                rows[f"{side}_value_char"].append(char)
                rows[f"{side}_value_integer"].append(integer)
                rows[f"{side}_value_datetime"].append(when)
    bulk.insert(env.cr, "mail_tracking_value",
                [("mail_message_id", "int"), ("field_id", "int"), ("old_value_char", "varchar"),
                 ("new_value_char", "varchar"), ("old_value_integer", "int"), ("new_value_integer", "int"),
                 ("old_value_datetime", "timestamp"), ("new_value_datetime", "timestamp")],
                rows, constants=bulk.log_access(env, now))
    env["mail.message"].invalidate_model()
    env["mail.tracking.value"].invalidate_model()
    return len(changes)


def _html(text):
    return str(Markup("<p>%s</p>") % escape(text)) if text else ""


def _tracking_value(Model, name, value, selection):
    """(char, integer, datetime) columns of one side, as Odoo's
    ``mail.tracking.value._create_tracking_values`` fills them."""
    field = Model._fields[name]
    if field.type == "selection":
        return (selection.get(value, value) if value else ""), None, None
    if field.type == "many2one":
        record = Model.env[field.comodel_name].browse(value or [])
        return (record.display_name if record else ""), (value or 0), None
    if field.type == "datetime":
        return None, None, value or None
    return (value or ""), None, None
