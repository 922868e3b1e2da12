"""Expiry risk: lotted stock on hand by days to expiry, valued at cost.

A read-only SQL view over quants of internal locations; expired stock still
on hand has a negative number of days. Look up a lot for a recall by its
name or product.
"""

from odoo import fields, models, tools
from odoo.tools import SQL

BUCKETS = [("expired", "Expired"), ("30", "Within 30 days"), ("90", "31-90 days"), ("180", "91-180 days"),
           ("later", "Later")]


class MedsyncExpiryRisk(models.Model):
    _name = "medsync.expiry.risk"
    _description = "MedSync expiry risk"
    _auto = False
    _order = "expiration_date, location_id"

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    location_id = fields.Many2one("stock.location", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    categ_id = fields.Many2one("product.category", "Category", readonly=True)
    lot_id = fields.Many2one("stock.lot", readonly=True)
    expiration_date = fields.Date(readonly=True)
    days_to_expiry = fields.Integer(readonly=True)
    bucket = fields.Selection(BUCKETS, readonly=True)
    quantity = fields.Float(readonly=True, digits="Product Unit of Measure")
    value = fields.Monetary(readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL(
            """CREATE VIEW %s AS (
                 SELECT q.id, q.company_id, c.currency_id, q.location_id, q.product_id, pt.categ_id, q.lot_id,
                        lot.expiration_date::date AS expiration_date,
                        (lot.expiration_date::date - CURRENT_DATE) AS days_to_expiry,
                        CASE WHEN lot.expiration_date::date <= CURRENT_DATE THEN 'expired'
                             WHEN lot.expiration_date::date <= CURRENT_DATE + 30 THEN '30'
                             WHEN lot.expiration_date::date <= CURRENT_DATE + 90 THEN '90'
                             WHEN lot.expiration_date::date <= CURRENT_DATE + 180 THEN '180'
                             ELSE 'later' END AS bucket,
                        q.quantity,
                        q.quantity * COALESCE((pp.standard_price ->> q.company_id::text)::numeric, 0) AS value
                   FROM stock_quant q
                   JOIN stock_location l ON l.id = q.location_id AND l.usage = 'internal'
                   JOIN stock_lot lot ON lot.id = q.lot_id AND lot.expiration_date IS NOT NULL
                   JOIN product_product pp ON pp.id = q.product_id
                   JOIN product_template pt ON pt.id = pp.product_tmpl_id
                   JOIN res_company c ON c.id = q.company_id
                  WHERE q.quantity > 0
               )""", SQL.identifier(self._table)))
