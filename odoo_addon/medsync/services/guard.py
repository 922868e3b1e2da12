"""Server-side guards for MedSync's control fields.

A control field (a hold, an approval, an exception's life cycle, an engine's
result) is written only by MedSync's own methods, after they have checked the
caller's group and recorded who and why. Everything else (the web client,
``/jsonrpc``, ``/web/dataset/call_kw``, an import, a script) is refused, whatever
its access rights and whatever context it sends.

The privilege is a module-private object put in the context (as OCA
``queue_job`` guards its job fields with ``EDIT_SENTINEL``): a client can send
any JSON, never this object, so no caller outside this code can forge it.

Each guarded model lists its fields in ``_medsync_protected`` (a frozenset);
its ``create``/``write`` call :func:`check`. The role-matrix test derives the
fields to attack from these declarations.

A leaf module: it imports nothing of the addon.
"""

from odoo.exceptions import AccessError

_KEY = "medsync_guard"
_SENTINEL = object()


def privileged(records):
    """``records`` allowed to write their protected fields: for MedSync's own
    methods, after their group check. Never hand such a recordset to code that
    takes values from a caller unfiltered."""
    return records.with_context(**{_KEY: _SENTINEL})


def is_privileged(env):
    return env.context.get(_KEY) is _SENTINEL


def protected_fields(model):
    return getattr(type(model), "_medsync_protected", frozenset())


def check(records, vals_list, action="write"):
    """Refuse values for protected fields unless the caller is privileged.
    ``vals_list`` is one dict (write) or a list of them (create)."""
    if is_privileged(records.env):
        return
    protected = protected_fields(records)
    if not protected:
        return
    touched = set()
    for vals in [vals_list] if isinstance(vals_list, dict) else vals_list:
        touched |= protected & vals.keys()
    if touched:
        fields = records._fields
        names = ", ".join(sorted(f"{fields[n].string} ({n})" for n in touched))
        raise AccessError(records.env._(
            "%(model)s: %(fields)s can only be changed by MedSync's own actions (%(action)s refused). "
            "Use the buttons of the document: they check your role and record who and why.",
            model=records._description, fields=names, action=action))


def check_create(records, vals_list, defaults_ok=()):
    """For create: protected fields may only take the values given in
    ``defaults_ok`` ({field: allowed value}) unless privileged."""
    if is_privileged(records.env):
        return
    allowed = dict(defaults_ok)
    filtered = [{k: v for k, v in vals.items() if not (k in allowed and v == allowed[k])} for vals in vals_list]
    check(records, filtered, "create")
