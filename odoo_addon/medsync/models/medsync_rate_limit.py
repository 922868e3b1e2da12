"""Request rate limits shared by every Odoo worker process (see services/hub.py)."""
