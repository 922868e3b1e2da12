{
    "name": "MedSync",
    "summary": "Procure-to-pay integration for hospitals: matching, reconciliation, vendor dedupe, integration hub",
    "description": """
MedSync connects a hospital's Odoo to its warehouse tools, supply cabinets,
suppliers and payment systems. Heavy work (three-way matching, inventory
reconciliation, duplicate vendor detection, document validation) runs in
bulk in the medsync_core Rust extension; this addon owns the UI, security,
scheduled actions and the integration API.
""",
    "version": "18.0.1.0.0",
    "category": "Inventory/Purchase",
    "license": "LGPL-3",
    "author": "MedSync",
    "website": "https://example.invalid/medsync",
    "depends": ["purchase_stock", "account", "product_expiry", "queue_job"],
    "external_dependencies": {"python": ["medsync_core"]},
    "data": [
        "security/medsync_security.xml",
        "security/ir.model.access.csv",
        "data/medsync_data.xml",
        "data/medsync_match_data.xml",
        "data/medsync_stock_data.xml",
        "data/medsync_dedupe_data.xml",
        "data/medsync_hub_data.xml",
        "data/medsync_kpi_data.xml",
        "wizards/medsync_exception_close_views.xml",
        "views/medsync_run_views.xml",
        "views/medsync_exception_views.xml",
        "views/medsync_team_views.xml",
        "views/medsync_dedupe_model_views.xml",
        "views/res_config_settings_views.xml",
        "views/medsync_menus.xml",
        "views/account_move_views.xml",
        "views/medsync_match_views.xml",
        "views/medsync_stock_views.xml",
        "views/medsync_dedupe_views.xml",
        "views/medsync_hub_views.xml",
        "views/medsync_dashboard_views.xml",
    ],
    "demo": [
        "demo/medsync_users_demo.xml",
        "demo/medsync_hospital_demo.xml",
        "demo/medsync_matching_demo.xml",
        "demo/medsync_reconcile_demo.xml",
        "demo/medsync_dedupe_demo.xml",
        "demo/medsync_hub_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "medsync/static/src/dashboard/*",
        ],
        "web.assets_tests": [
            "medsync/static/tests/tours/**/*",
        ],
    },
    "application": True,
    "installable": True,
}
