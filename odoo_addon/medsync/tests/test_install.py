import ast
import importlib.metadata
import sys
from pathlib import Path
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.modules.module import get_module_path
from odoo.tests import Form, tagged

from .common import GROUPS, MedsyncCase


@tagged("post_install", "-at_install")
class TestInstall(MedsyncCase):
    def test_manifest_declares_engine_and_dependencies(self):
        manifest = ast.literal_eval(Path(get_module_path("medsync"), "__manifest__.py").read_text())
        self.assertEqual(manifest["external_dependencies"], {"python": ["medsync_core", "pyarrow"]})
        self.assertTrue({"purchase_stock", "account", "product_expiry", "queue_job"} <= set(manifest["depends"]))
        self.assertEqual(manifest["license"], "LGPL-3")

    def test_install_without_the_engine_fails_with_odoos_message(self):
        # hide the installed wheel from Odoo's install-time check (metadata and import)
        missing = importlib.metadata.PackageNotFoundError("medsync_core")
        with patch("importlib.metadata.version", side_effect=missing), patch.dict(sys.modules, {"medsync_core": None}):
            with self.assertRaisesRegex(UserError, 'Unable to install module "medsync" because an external '
                                                   "dependency is not met: External dependency medsync_core"):
                self.env["ir.module.module"].check_external_dependencies("medsync")
        # with the wheel present the same check passes
        self.env["ir.module.module"].check_external_dependencies("medsync")

    def test_engine_is_loaded_and_answers(self):
        from odoo.addons.medsync.services import engine

        self.assertAlmostEqual(engine.call(self.env, "float_round", 2.675, 2), 2.68, places=9)
        self.assertIn("medsync_core", engine.describe(self.env))

    def test_engine_bad_input_becomes_user_error(self):
        from odoo.addons.medsync.services import engine

        with self.assertRaisesRegex(UserError, "invalid_input"):
            engine.call(self.env, "round_many", [1.0, "twelve"], 2)

    def test_groups_menu_and_views_exist(self):
        for xmlid in GROUPS.values():
            self.assertTrue(self.env.ref(xmlid))
        root = self.env.ref("medsync.medsync_menu_root")
        self.assertIn(self.env.ref("medsync.group_medsync_user"), root.groups_id)
        for model in ("medsync.run", "medsync.exception", "medsync.team", "medsync.exception.reason"):
            for view_type in ("list", "form"):
                self.env[model].get_views([(False, view_type)])
        self.env["medsync.exception"].get_views([(False, "kanban"), (False, "search"), (False, "pivot")])
        self.env["medsync.run"].get_views([(False, "graph"), (False, "pivot"), (False, "search")])
        self.env["medsync.match.result"].get_views([(False, "form"), (False, "list"), (False, "graph"),
                                                    (False, "pivot"), (False, "search")])
        self.env["medsync.match.tolerance"].get_views([(False, "form"), (False, "list")])
        self.env["account.move"].get_views([(self.env.ref("account.view_move_form").id, "form")])

    def test_every_role_sees_the_menu(self):
        root = self.env.ref("medsync.medsync_menu_root")
        for role, user in self.users.items():
            visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
            self.assertIn(root.id, visible, role)
        visible = self.env["ir.ui.menu"].with_user(self.outsider)._visible_menu_ids()
        self.assertNotIn(root.id, visible)

    def test_settings_are_per_company(self):
        with Form(self.env["res.config.settings"]) as settings:
            settings.medsync_exception_sla_hours = 12
            settings.medsync_chunk_size = 2500
            settings.medsync_default_team_id = self.team
        self.assertEqual(self.company.medsync_exception_sla_hours, 12)
        self.assertEqual(self.company.medsync_chunk_size, 2500)
        self.assertEqual(self.company.medsync_default_team_id, self.team)
        self.assertEqual(self.company_b.medsync_exception_sla_hours, 48)
        self.assertIn("medsync_core", self.env["res.config.settings"].create({}).medsync_engine_version)
