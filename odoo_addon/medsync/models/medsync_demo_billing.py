"""Demo: a week of the hospital billing platform (loaded from
demo/medsync_billing_demo.xml only).

The platform ``HBS`` posts one batch of charges per business date through the
hub, as it would over the API: revenue per department and payer class, the
receivable per payer reference. Finance's mapping sends revenue codes to
four income accounts and the receivable code to the patient receivables.

- Five days post at their nightly window and agree with the platform's
  daily totals (green).
- One day's second batch does not balance: rejected, nothing posted.
- Yesterday's batch carries ``REV-PT`` (physical therapy), a code nobody has
  mapped yet: rejected, waiting for the GL accountant (her tour maps it and
  validates the batch again).
- Day 2 is corrected: the platform reverses its batch and sends a new one.
- Day 4: the platform's totals hold a late charge the ledger never got:
  the day is red, with a drift exception for the GL team.
"""

import datetime as dt
import json
from decimal import Decimal

from odoo import api, fields, models

from ..services import billing, hub

SOURCE = "HBS"
DEPARTMENTS = [("CARD", "Cardiology"), ("ED", "Emergency Department"), ("LAB", "Laboratory"), ("RAD", "Radiology"),
               ("PT", "Physical therapy")]
PAYERS = [("MCARE", "Medicare"), ("MCAID", "Medicaid"), ("COMM", "Commercial insurance"), ("SELF", "Self-pay")]
ACCOUNTS = [("400110", "Inpatient revenue", "income", "REV-IP"), ("400120", "Outpatient revenue", "income", "REV-OP"),
            ("400130", "Laboratory revenue", "income", "REV-LAB"),
            ("400140", "Imaging revenue", "income", "REV-RAD"),
            ("121500", "Patient receivables", "asset_receivable", "AR")]
# (department, revenue code, payer class, amount) charged every day, scaled by the day
CHARGES = [("CARD", "REV-IP", "MCARE", "1840.00"), ("CARD", "REV-OP", "COMM", "420.50"),
           ("ED", "REV-OP", "SELF", "310.00"), ("ED", "REV-IP", "MCAID", "2275.25"),
           ("LAB", "REV-LAB", "COMM", "96.40"), ("LAB", "REV-LAB", "MCARE", "54.10"),
           ("RAD", "REV-RAD", "COMM", "780.00"), ("RAD", "REV-RAD", "MCAID", "415.75")]


class MedsyncDemoBilling(models.AbstractModel):
    _inherit = "medsync.demo"

    @api.model
    def _create_billing_demo(self):
        env = self.env
        company = env.company
        company.medsync_facility_code = "SMH"
        accounts = {}
        Account = env["account.account"]
        taken = set(Account.search([("company_ids", "in", company.id)]).mapped("code"))
        for code, name, kind, source_code in ACCOUNTS:
            while code in taken:  # the chart of accounts may use the code already: the next free one
                code = str(int(code) + 1)
            taken.add(code)
            accounts[source_code] = Account.create({"code": code, "name": name, "account_type": kind,
                                                    "reconcile": kind == "asset_receivable"})
        journal = env["account.journal"].create({"name": "Hospital billing", "code": "HBS", "type": "general",
                                                 "company_id": company.id})
        depts = self._billing_demo_analytic("medsync.analytic_plan_departments", DEPARTMENTS)
        self._billing_demo_analytic("medsync.analytic_plan_payer_classes", PAYERS)
        start = fields.Date.today() - dt.timedelta(days=7)
        Rule = env["medsync.billing.rule"]
        for source_code, account in accounts.items():
            Rule.create({"source": SOURCE, "code": source_code, "account_id": account.id, "journal_id": journal.id,
                         "note": "Demo"})
        # laboratory charges went to outpatient revenue until the laboratory account was opened
        Rule.search([("code", "=", "REV-LAB")]).date_from = start + dt.timedelta(days=2)
        Rule.create({"source": SOURCE, "code": "REV-LAB", "account_id": accounts["REV-OP"].id,
                     "journal_id": journal.id, "date_to": start + dt.timedelta(days=1),
                     "note": "Before the laboratory revenue account"})
        system = env["medsync.system"].create({"name": "Hospital billing platform", "code": "hbs",
                                               "kind": "billing"})
        env["medsync.flow"].create([
            {"system_id": system.id, "code": "batches", "name": "Billing batches", "doc_type": "billing_batch",
             "billing_window": "nightly", "billing_hour": 2, "billing_lock_policy": "redirect",
             "billing_sources": SOURCE,
             "owner_team_id": env.ref("medsync.team_gl").id, "latency_class": "batch", "sla_minutes": 240,
             "description": "Charges, adjustments and receivables per business date, with control totals."},
            {"system_id": system.id, "code": "daily-totals", "name": "Daily control totals",
             "doc_type": "billing_daily_totals", "billing_sources": SOURCE,
             "owner_team_id": env.ref("medsync.team_gl").id, "latency_class": "batch", "sla_minutes": 240,
             "description": "The platform's own ledger per business date, department and account."},
            # paid receivables go back once the platform gives a webhook (then an integration admin activates it)
            {"system_id": system.id, "code": "paid", "name": "Payment status", "doc_type": "billing_payment",
             "owner_team_id": env.ref("medsync.team_gl").id, "active": False,
             "description": "A billing receivable reconciled or unreconciled in Odoo, back to the platform."}])
        info = hub._system_info(env, "hbs")
        days = [start + dt.timedelta(days=day) for day in range(7)]
        week = [self._billing_demo_batch(d, f"HBS-{d:%Y%m%d}-1", day) for day, d in enumerate(days)]
        # yesterday: physical therapy, a code nobody has mapped
        yesterday = week[-1]
        for line_id, code, dept, side in (("PT-1", "REV-PT", "PT", "credit"), ("PT-2", "AR", None, "debit")):
            yesterday["lines"].append({"line_id": line_id, "code": code, "payer_class": "COMM", "amount": "260.00",
                                       "side": side, "service_date": yesterday["business_date"],
                                       "payer_ref": "ACC-77120", **({"department": dept} if dept else {})})
        yesterday.update(record_count=len(yesterday["lines"]),
                         total_debit=str(Decimal(yesterday["total_debit"]) + 260),
                         total_credit=str(Decimal(yesterday["total_credit"]) + 260), totals=[])
        sent = [self._billing_demo_send(info, doc) for doc in week]
        # a second batch of day 3 that does not balance: one receivable line lost in the export
        bad = self._billing_demo_batch(start + dt.timedelta(days=3), f"HBS-{start + dt.timedelta(days=3):%Y%m%d}-2", 3,
                                       scale=Decimal("0.25"))
        bad["lines"] = bad["lines"][:-1]
        bad["record_count"] -= 1
        bad["total_debit"] = str(sum(Decimal(ln["amount"]) for ln in bad["lines"] if ln["side"] == "debit"))
        bad["totals"] = []
        self._billing_demo_send(info, bad)
        env["medsync.message"].search([("system_id", "=", system.id), ("state", "=", "queued")])._hub_process()
        # the nightly windows of the week
        billing.post(env["medsync.billing.batch"].search([("state", "=", "scheduled")]))
        # day 2 corrected: its batch reversed, and sent again right
        day2 = sent[2]
        self._billing_demo_send(info, {"batch_id": f"{day2['batch_id']}-R", "source": SOURCE,
                                       "business_date": day2["business_date"], "currency": day2["currency"],
                                       "kind": "reversal", "original": day2["batch_id"], "record_count": 0,
                                       "total_debit": "0", "total_credit": "0"})
        fixed = self._billing_demo_batch(start + dt.timedelta(days=2), f"{day2['batch_id']}-C", 2, scale=Decimal("0.9"))
        fixed.update(kind="adjustment", original=day2["batch_id"])
        self._billing_demo_send(info, fixed)
        env["medsync.message"].search([("system_id", "=", system.id), ("state", "=", "queued")])._hub_process()
        billing.post(env["medsync.billing.batch"].search([("state", "=", "scheduled")]))
        # the platform's daily totals: what it posted, and on day 4 a late charge the ledger never got
        for day in range(6):
            batches = [fixed] if day == 2 else [sent[day]]
            # the platform's ledger mapped laboratory charges as finance's rules did, outpatient before day 2
            lab = accounts["REV-OP"] if day < 2 else accounts["REV-LAB"]
            rows = self._billing_demo_totals(batches, {**accounts, "REV-LAB": lab},
                                             extra=("LAB", accounts["REV-LAB"].code, "120.00") if day == 4
                                             else None)
            self._billing_demo_send(info, {"source": SOURCE, "business_date": sent[day]["business_date"],
                                           "currency": company.currency_id.name, "rows": rows},
                                    doc_type="billing_daily_totals")
        env["medsync.message"].search([("system_id", "=", system.id), ("state", "=", "queued")])._hub_process()
        return depts

    def _billing_demo_analytic(self, plan_xmlid, items):
        """The plan's accounts of ``items`` (code, name): the hospital demo's where it has the code already (the
        emergency department the stock and orders are charged to is the one the billing platform names)."""
        plan = self.env.ref(plan_xmlid)
        Analytic = self.env["account.analytic.account"]
        have = Analytic.search([("plan_id", "=", plan.id), ("code", "in", [c for c, _n in items])])
        codes = set(have.mapped("code"))
        return have | Analytic.create([{"name": name, "code": code, "plan_id": plan.id} for code, name in items
                                       if code not in codes])

    def _billing_demo_batch(self, date, batch_id, day, scale=Decimal(1)):
        lines, totals = [], {}
        factor = scale * (Decimal(1) + Decimal(day % 3) / 10)
        for n, (dept, code, payer, amount) in enumerate(CHARGES, start=1):
            value = (Decimal(amount) * factor).quantize(Decimal("0.01"))
            ref = f"ACC-{date:%m%d}{n:03d}"
            lines.append({"line_id": f"{n}-R", "code": code, "department": dept, "payer_class": payer,
                          "amount": str(value), "side": "credit", "service_date": fields.Date.to_string(date),
                          "payer_ref": ref, "encounter_ref": f"ENC-{date:%m%d}-{n}"})
            lines.append({"line_id": f"{n}-A", "code": "AR", "payer_class": payer, "amount": str(value),
                          "side": "debit", "service_date": fields.Date.to_string(date), "payer_ref": ref})
            totals[dept] = totals.get(dept, Decimal(0)) + value
        total = sum(Decimal(ln["amount"]) for ln in lines if ln["side"] == "debit")
        return {"batch_id": batch_id, "source": SOURCE, "business_date": fields.Date.to_string(date),
                "currency": self.env.company.currency_id.name, "record_count": len(lines),
                "total_debit": str(total), "total_credit": str(total), "lines": lines,
                "totals": [{"kind": "department", "key": d, "debit": "0", "credit": str(v)}
                           for d, v in sorted(totals.items())]}

    def _billing_demo_totals(self, batches, accounts, extra=None):
        sums = {}
        for batch in batches:
            for ln in batch["lines"]:
                key = (ln.get("department", ""), accounts[ln["code"]].code)
                d, c = sums.get(key, (Decimal(0), Decimal(0)))
                amount = Decimal(ln["amount"])
                sums[key] = (d + amount, c) if ln["side"] == "debit" else (d, c + amount)
        if extra:
            dept, account, amount = extra
            d, c = sums.get((dept, account), (Decimal(0), Decimal(0)))
            sums[(dept, account)] = (d, c + Decimal(amount))
        return [{"account": account, "debit": str(d), "credit": str(c), **({"department": dept} if dept else {})}
                for (dept, account), (d, c) in sorted(sums.items())]

    def _billing_demo_send(self, info, doc, doc_type="billing_batch"):
        key = f"demo-{doc_type}-{doc.get('batch_id') or doc['business_date']}"
        hub.accept(self.env, info, doc_type, json.dumps(doc).encode(), key, None)
        return doc
