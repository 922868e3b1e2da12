from odoo import api, fields, models


class MedsyncVendorMergeLine(models.TransientModel):
    _name = "medsync.vendor.merge.line"
    _description = "MedSync merge: one field's surviving value"

    wizard_id = fields.Many2one("medsync.vendor.merge", required=True, ondelete="cascade")
    field_name = fields.Char(required=True)
    field_label = fields.Char("Field", compute="_compute_value")
    source_id = fields.Many2one("res.partner", "Take from", required=True)
    value = fields.Char("Surviving value", compute="_compute_value")
    choices = fields.Text("Each vendor's value", compute="_compute_value")

    @staticmethod
    def _shown(value):
        if not value:
            return ""
        if isinstance(value, models.BaseModel):
            return ", ".join(value.mapped("display_name"))
        if isinstance(value, str):
            return value
        return str(value)

    @api.depends("field_name", "source_id", "wizard_id.partner_ids")
    def _compute_value(self):
        for line in self:
            field = self.env["res.partner"]._fields.get(line.field_name)
            line.field_label = field._description_string(self.env) if field else line.field_name
            if field and field.type == "selection":
                labels = dict(field._description_selection(self.env))
                shown = lambda p, f=line.field_name, labels=labels: labels.get(p[f], p[f] or "")  # noqa: E731
            else:
                shown = lambda p, f=line.field_name: self._shown(p[f])  # noqa: E731
            line.value = shown(line.source_id) if field and line.source_id else ""
            partners = line.wizard_id.partner_ids._origin if field else self.env["res.partner"]
            line.choices = "\n".join(f"{p.display_name}: {shown(p) or '—'}" for p in partners)
