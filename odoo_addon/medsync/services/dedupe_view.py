"""What the steward sees of the dedupe model: a pair's two vendors side by
side with each comparison's level and learned weight, the waterfall from the
model's prior to the pair's match probability, and a model version's weights
per comparison and level. HTML of plain tables and CSS bars (widths and
margins only, which Odoo's sanitiser keeps); every value from the database is
escaped."""

import datetime as dt

from markupsafe import Markup, escape

from odoo import fields
from odoo.tools import SQL, format_amount, format_date

from . import engine
from .dedupe import FIELD_LABELS, LEARNED, level_text, sentence

POSITIVE, NEGATIVE, NEUTRAL, TOTAL = "#198754", "#dc3545", "#6c757d", "#0d6efd"
TINT = {1: "#d1e7dd", -1: "#f8d7da", 0: "#f8f9fa"}
BAR_HEIGHT = "0.9em"


def _html(parts):
    return Markup("".join(str(p) for p in parts))


def _bar(left, width, color):
    """A bar starting ``left`` % from the edge of its cell, ``width`` % wide."""
    return Markup('<div style="margin-left: {l:.2f}%; width: {w:.2f}%; height: {h}; background-color: {c}"></div>'
                  ).format(l=max(left, 0.0), w=max(width, 0.6), h=BAR_HEIGHT, c=color)


def _sign(weight):
    return 1 if weight > 0.05 else -1 if weight < -0.05 else 0


def bits(weight, digits=1):
    """A weight in bits with its sign, "+0.0" rather than "-0.0"."""
    return f"{weight if abs(weight) >= 0.5 * 10**-digits else 0.0:+.{digits}f}"


def percent(probability):
    """A match probability as people read it: never "100%" for a pair the
    model is not certain of, nor "0%"."""
    if 0.9995 <= probability < 1.0:
        return "> 99.9%"
    if 0.0 < probability <= 0.0005:
        return "< 0.1%"
    return f"{100.0 * probability:.1f}%"


def _chance(x):
    return f"{x:.3f}" if x >= 0.001 else f"{x:.1e}"


# ---------------------------------------------------------------- the waterfall


def waterfall(env, prior, evidence, score, probability):
    """From the prior (log2 odds that a candidate pair is the same vendor) to
    the total, one bar per piece of evidence, as Splink's waterfall chart."""
    steps = [(env._("Prior: how often candidate pairs are duplicates"), prior)]
    steps += [(sentence(env, e), e["weight"]) for e in evidence]
    points = [0.0]
    for _label, w in steps:
        points.append(points[-1] + w)
    lo, hi = min(points), max(points)
    span = (hi - lo) or 1.0

    def x(v):
        return (v - lo) / span * 100.0

    rows = []
    for k, (label, w) in enumerate(steps):
        a, b = points[k], points[k + 1]
        color = NEUTRAL if k == 0 else POSITIVE if w > 0 else NEGATIVE
        rows.append(_row(label, _bar(x(min(a, b)), x(max(a, b)) - x(min(a, b)), color), bits(w), bits(b)))
    total_label = env._("Total: %(p)s match probability", p=percent(probability))
    rows.append(_row(total_label, _bar(x(min(0.0, score)), x(max(0.0, score)) - x(min(0.0, score)), TOTAL),
                     bits(score), "", bold=True))
    head = Markup("<tr><th>{}</th><th>{}</th><th style=\"text-align: right\">{}</th>"
                  "<th style=\"text-align: right\">{}</th></tr>").format(
        env._("Evidence"), env._("log2 odds, from %(lo)+.1f to %(hi)+.1f bits (0 bits: 50%%)", lo=lo, hi=hi),
        env._("Weight"), env._("Running total"))
    return _html([Markup('<table class="table table-sm o_medsync_waterfall" style="width: 100%">'), head,
                  *rows, Markup("</table>")])


def _row(label, bar, weight, running, bold=False):
    tag = "th" if bold else "td"
    return Markup(
        "<tr><{t} style=\"width: 40%\">{label}</{t}><td style=\"width: 40%\">{bar}</td>"
        "<{t} style=\"text-align: right; white-space: nowrap\">{w}</{t}>"
        "<td style=\"text-align: right; white-space: nowrap\">{r}</td></tr>").format(
        t=Markup(tag), label=label, bar=bar, w=weight, r=running)


# ---------------------------------------------------------------- side by side


def vendor_facts(env, partners, companies):
    """Per (partner id, company id): the values the steward compares, with
    spend over 365 days and the last bill and order in that company."""
    partners = partners.with_context(active_test=False)
    if not partners:
        return {}
    env["account.move"].flush_model(["partner_id", "move_type", "state", "company_id", "invoice_date",
                                     "amount_total_signed"])
    env["purchase.order"].flush_model(["partner_id", "company_id", "date_order", "state"])
    year_ago = fields.Date.today() - dt.timedelta(days=365)
    # read in SQL: who may see the pair may not read bills or orders; only
    # totals and dates of the pair's own vendors are shown
    rows = env.execute_query(SQL(
        """SELECT p.id, c.id,
                  (SELECT COALESCE(SUM(ABS(m.amount_total_signed)), 0) FROM account_move m
                    WHERE m.partner_id = p.id AND m.move_type = 'in_invoice' AND m.state = 'posted'
                      AND m.company_id = c.id AND m.invoice_date >= %(since)s),
                  (SELECT MAX(m.invoice_date) FROM account_move m
                    WHERE m.partner_id = p.id AND m.move_type = 'in_invoice' AND m.state = 'posted'
                      AND m.company_id = c.id),
                  (SELECT MAX(o.date_order) FROM purchase_order o
                    WHERE o.partner_id = p.id AND o.company_id = c.id AND o.state IN ('purchase', 'done'))
             FROM res_partner p CROSS JOIN res_company c
            WHERE p.id = ANY(%(partners)s) AND c.id = ANY(%(companies)s)""",
        since=year_ago, partners=partners.ids, companies=companies.ids))
    activity = {(pid, cid): (spend, bill, order) for pid, cid, spend, bill, order in rows}
    full_banks = env.user.has_group("medsync.group_medsync_steward") or env.user.has_group("base.group_system")
    out = {}
    for company in companies:
        for p in partners:
            spend, bill, order = activity.get((p.id, company.id), (0, None, None))
            out[(p.id, company.id)] = {
                "name": [p.name or "", *_trade_name(env, p.name)],
                "address": [x for x in (p.street, p.street2) if x],
                "zip": [p.zip] if p.zip else [],
                "city": [p.city] if p.city else [],
                "country": [p.country_id.name] if p.country_id else [],
                "phone": [x for x in (p.phone, p.mobile) if x],
                "email": [p.email] if p.email else [],
                "website": [p.website] if p.website else [],
                "ids": [f"{label} {value}" for label, value in (
                    ("VAT", p.vat), ("NPI", p.medsync_npi), ("DEA", p.medsync_dea), ("UEI", p.medsync_uei),
                    ("D-U-N-S", p.medsync_duns), ("GLN", p.medsync_gln)) if value],
                "bank": [b.acc_number if full_banks else _masked(b.acc_number) for b in p.bank_ids if b.acc_number],
                "spend": [format_amount(env, float(spend or 0), company.currency_id)],
                "activity": [x for x in (
                    env._("last bill %s", format_date(env, bill)) if bill else env._("no bill"),
                    env._("last order %s", format_date(env, order)) if order else "") if x],
                "archived": not p.active,
            }
    return out


def _trade_name(env, name):
    if not name:
        return []
    trade = engine.call(env, "normalize_vendor", name)["trade_name"]
    return [env._("trade name: %s", trade)] if trade else []


def _masked(number):
    """A bank account as those who do not manage vendor data see it."""
    compact = "".join(ch for ch in number if ch.isalnum())
    return "•••• " + compact[-4:] if len(compact) > 4 else "••••"


def _rows(env):
    return [
        ("name", env._("Name"), ("name",)),
        ("address", env._("Street"), ("address",)),
        ("zip", env._("Zip"), ("zip",)),
        ("city", env._("City"), ("city",)),
        ("country", env._("Country"), ("country",)),
        ("phone", env._("Phones"), ("phone",)),
        ("email", env._("E-mails"), ("email",)),
        ("website", env._("Web site"), ("website",)),
        ("ids", env._("Identifiers"), ("id:",)),
        ("bank", env._("Bank accounts"), ("bank",)),
        ("spend", env._("Spend (365 days)"), ()),
        ("activity", env._("Last activity"), ()),
    ]


def side_by_side(env, left, right, evidence):
    """The two vendors field by field; beside each field the comparison's
    level and learned weight (or why it was not compared)."""
    head = Markup("<tr><th></th><th>{}</th><th>{}</th><th>{}</th><th style=\"text-align: right\">{}</th></tr>"
                  ).format(env._("Vendor"), env._("Possible duplicate"), env._("Comparison"), env._("Weight"))
    rows = []
    for key, label, prefixes in _rows(env):
        found = [e for e in evidence if any(e["field"] == p or (p.endswith(":") and e["field"].startswith(p))
                                             for p in prefixes)]
        weight = sum(e["weight"] for e in found)
        if found:
            level = Markup("<br/>").join(_level(env, e) for e in found)
            shown = bits(weight)
        elif prefixes:
            level, shown = env._("not compared: a side has none"), ""
        else:
            level, shown = "", ""
        tint = TINT[_sign(weight)] if found else TINT[0]
        rows.append(Markup(
            "<tr><th>{label}</th><td>{a}</td><td>{b}</td><td style=\"background-color: {tint}\">{level}</td>"
            "<td style=\"text-align: right; background-color: {tint}\">{w}</td></tr>").format(
            label=label, a=_values(left.get(key)), b=_values(right.get(key)), tint=tint, level=level, w=shown))
    notes = []
    for side, facts in ((env._("The vendor"), left), (env._("The possible duplicate"), right)):
        if facts.get("archived"):
            notes.append(Markup('<p class="text-muted">{}</p>').format(env._("%s is archived.", side)))
    return _html([Markup('<table class="table table-sm o_medsync_side_by_side" style="width: 100%">'), head, *rows,
                  Markup("</table>"), *notes])


def _level(env, e):
    field = FIELD_LABELS.get(e["field"], e["field"])
    text = level_text(env, e["field"], e["level"])
    if e["field"] == "name":
        text = env._("%(level)s (%(sim).2f)", level=text, sim=e.get("sim", 0.0))
    elif e["field"].startswith("id:"):
        text = f"{field}: {text}"
    return escape(text)


def _values(values):
    if not values:
        return Markup('<span class="text-muted">—</span>')
    return Markup("<br/>").join(escape(v) for v in values)


# ---------------------------------------------------------------- a model version


def weights_chart(env, model):
    """Each comparison's learned weight per level, as bars either side of
    zero, with the m and u probabilities behind it."""
    if not model:
        return Markup('<p class="text-muted">{}</p>').format(env._(
            "No learned weights: the next complete scan learns them from the vendors alone."))
    comps = model.get("comparisons", {})
    order = [c for c in LEARNED if c in comps] + sorted(set(comps) - set(LEARNED))
    biggest = max((abs(w) for c in order for w in comps[c]["weight"]), default=1.0) or 1.0
    head = Markup(
        "<tr><th>{}</th><th>{}</th><th style=\"text-align: right\">{}</th><th style=\"text-align: right\">{}</th>"
        "<th colspan=\"2\" style=\"text-align: center\">{}</th><th style=\"text-align: right\">{}</th></tr>").format(
        env._("Comparison"), env._("Level"), env._("m (duplicates)"), env._("u (others)"), env._("against · for"),
        env._("Weight (bits)"))
    rows = []
    for code in order:
        c = comps[code]
        for k, level in enumerate(c["levels"]):
            w = c["weight"][k]
            width = abs(w) / biggest * 100.0
            against = _bar(100.0 - width, width, NEGATIVE) if w < 0 else ""
            for_ = _bar(0.0, width, POSITIVE) if w > 0 else ""
            rows.append(Markup(
                "<tr><th>{field}</th><td>{level}</td><td style=\"text-align: right\">{m}</td>"
                "<td style=\"text-align: right\">{u}</td><td style=\"width: 20%\">{against}</td>"
                "<td style=\"width: 20%\">{for_}</td><td style=\"text-align: right\">{w}</td></tr>").format(
                field=FIELD_LABELS.get(code, code) if k == 0 else "", level=level_text(env, code, level),
                m=_chance(c["m"][k]), u=_chance(c["u"][k]), against=against, for_=for_, w=bits(w, 2)))
    prior = Markup("<p>{}</p>").format(env._(
        "Prior %(prior)+.2f bits: %(share).1f%% of the candidate pairs are duplicates. Identifiers and bank accounts "
        "keep fixed weights.", prior=model.get("prior", 0.0), share=100.0 * model.get("lambda", 0.0)))
    return _html([prior, Markup('<table class="table table-sm o_medsync_weights" style="width: 100%">'), head, *rows,
                  Markup("</table>")])
