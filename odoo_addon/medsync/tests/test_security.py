from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.medsync.services import guard

from .common import MedsyncCase


@tagged("post_install", "-at_install")
class TestSecurity(MedsyncCase):
    def test_reader_reads_but_cannot_change(self):
        exc = self.raise_exception()
        reader = self.users["reader"]
        self.assertEqual(exc.with_user(reader).name, exc.name)
        with self.assertRaises(AccessError):
            exc.with_user(reader).write({"severity": "low"})
        with self.assertRaises(AccessError):
            self.raise_exception(user=reader)
        with self.assertRaises(AccessError):
            exc.with_user(reader).action_start()
        with self.assertRaises(AccessError):
            exc.with_user(reader)._close("start", "looking into it")

    def test_working_roles_raise_and_work_exceptions(self):
        """Each role raises an exception and starts work on those of its own
        engine; another engine's exceptions are not its to work."""
        Reason = self.env["medsync.exception.reason"]
        waive = self.env.ref("medsync.group_medsync_ap_manager").id
        engines = {"buyer": "matching", "ap_clerk": "matching", "inventory": "reconcile", "steward": "dedupe",
                   "integration": "hub"}
        reasons = {engine: Reason.create({"code": f"TEST_{engine.upper()}", "name": engine, "engine": engine,
                                          "waive_group_id": waive}) for engine in set(engines.values())}
        for role, engine in engines.items():
            user = self.users[role]
            exc = self.raise_exception(user=user, name=f"raised by {role}", reason_id=reasons[engine].id)
            exc.with_user(user)._close("start", "on it")
            self.assertEqual(exc.state, "in_progress", role)
            other = "dedupe" if engine == "reconcile" else "reconcile"
            foreign = self.raise_exception(name=f"not for {role}", reason_id=reasons[other].id)
            with self.assertRaises(AccessError, msg=role):
                foreign.with_user(user)._close("start", "not mine")
            self.assertEqual(foreign.state, "open", role)

    def test_nobody_but_admin_deletes(self):
        exc = self.raise_exception()
        for role, user in self.users.items():
            with self.assertRaises(AccessError, msg=role):
                exc.with_user(user).unlink()

    def test_runs_are_read_only_for_users(self):
        run = guard.privileged(self.env["medsync.run"]).create({"engine": "core"})
        for role, user in self.users.items():
            self.assertTrue(run.with_user(user).name, role)
            with self.assertRaises(AccessError, msg=role):
                self.env["medsync.run"].with_user(user).create({"engine": "core"})
            with self.assertRaises(AccessError, msg=role):
                run.with_user(user).write({"scope": "edited"})

    def test_a_user_triggering_an_engine_gets_a_run_recorded(self):
        Run = self.env["medsync.run"].with_user(self.users["ap_clerk"])
        with Run._track("matching", scope="2 bills") as run:
            run.count(input=2, output=2)
        last = Run.search([("scope", "=", "2 bills")])
        self.assertEqual(last.user_id, self.users["ap_clerk"])
        self.assertEqual(last.state, "done")

    def test_outsider_sees_nothing(self):
        exc = self.raise_exception()
        with self.assertRaises(AccessError):
            exc.with_user(self.outsider).read(["name"])
        with self.assertRaises(AccessError):
            self.env["medsync.run"].with_user(self.outsider).search([])

    def test_company_rules(self):
        exc_a = self.raise_exception(name="company A")
        exc_b = self.raise_exception(name="company B", company_id=self.company_b.id)
        run_b = guard.privileged(self.env["medsync.run"]).create({"engine": "core", "company_id": self.company_b.id})
        clerk_a = self.users["ap_clerk"]
        seen_a = self.env["medsync.exception"].with_user(clerk_a).search([("id", "in", (exc_a | exc_b).ids)])
        self.assertEqual(seen_a, exc_a)
        seen_b = self.env["medsync.exception"].with_user(self.clerk_b).search([("id", "in", (exc_a | exc_b).ids)])
        self.assertEqual(seen_b, exc_b)
        with self.assertRaises(AccessError):
            exc_a.with_user(self.clerk_b).read(["name"])
        self.assertFalse(self.env["medsync.run"].with_user(clerk_a).search([("id", "=", run_b.id)]))
        self.assertTrue(self.env["medsync.run"].with_user(self.clerk_b).search([("id", "=", run_b.id)]))
        # a clerk of company B cannot file an exception in company A
        with self.assertRaises(AccessError):
            self.raise_exception(user=self.clerk_b, company_id=self.company.id)
