#!/usr/bin/env python3
"""MedSync's whole test run (``make test``): every suite, one closing line.

Suites, in order: rustfmt, clippy, cargo test, ruff, the wheel build, pytest on
the installed wheel, and the addon's tests inside a real Odoo 18 on a
throwaway database when an Odoo source tree is found ($ODOO_SRC, default
/opt/odoo/18.0): first the addon's suite, then each role's browser tour in
Chromium on the same database (screens saved under .run/screenshots/), then the
live tests against a real server. A suite that cannot run says so, in words,
and counts as skipped. The last line is ``N passed, N failed, N skipped``.

Standard library only: it runs before the project environment exists.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN = Path(os.environ.get("MEDSYNC_RUN_DIR", ROOT / ".run"))
VENV = Path(os.environ.get("VENV", ROOT / ".venv"))
PY = VENV / "bin" / "python"
ODOO_SRC = Path(os.environ.get("ODOO_SRC", "/opt/odoo/18.0"))
ADDON = ROOT / "odoo_addon" / "medsync"
TOURS = "/medsync:TestTours"  # tests/test_tours.py: one browser tour per role, a suite of its own
TOURS_SUITE = "odoo tours (Chromium, per role)"
CHROME_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")  # what Odoo looks for


@dataclass
class Suite:
    name: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    note: str = ""
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


def sh(cmd, *, log=None, env=None, cwd=ROOT, check=False):
    """Run a command; its output goes to the terminal and, if given, to a log file."""
    print(f"\n$ {' '.join(map(str, cmd))}", flush=True)
    full_env = {**os.environ, **(env or {})}
    if log is None:
        return subprocess.run(list(map(str, cmd)), cwd=cwd, env=full_env, check=check)
    with open(log, "w") as fh:
        proc = subprocess.Popen(list(map(str, cmd)), cwd=cwd, env=full_env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        for line in proc.stdout:
            fh.write(line)
            sys.stdout.write(line)
        proc.wait()
    if check and proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, cmd)
    return proc


def one_check(name, cmd, **kw):
    s = Suite(name)
    rc = sh(cmd, **kw).returncode
    s.passed, s.failed = (1, 0) if rc == 0 else (0, 1)
    if rc:
        s.problems.append(f"{name} failed (exit {rc})")
    return s


def cargo_tests():
    s = Suite("cargo test")
    log = RUN / "cargo-test.log"
    rc = sh(["cargo", "test", "--lib", "--tests"], log=log).returncode
    text = log.read_text()
    for p, f, i in re.findall(r"test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored", text):
        s.passed += int(p)
        s.failed += int(f)
        s.skipped += int(i)
    if rc and not s.failed:
        s.failed = 1
        s.problems.append(f"cargo test exited {rc} (did not compile?)")
    return s


def build_wheel():
    s = Suite("wheel build")
    rc = sh(["bash", ROOT / "tools" / "build_wheel.sh"]).returncode
    wheels = sorted((RUN / "wheels").glob("medsync_core-*.whl"))
    s.passed, s.failed = (1, 0) if rc == 0 and wheels else (0, 1)
    if s.failed:
        s.problems.append(f"building or installing the wheel failed (exit {rc})")
    else:
        s.note = wheels[-1].name
    return s


def pytest():
    s = Suite("pytest")
    xml = RUN / "pytest.xml"
    xml.unlink(missing_ok=True)
    # run from tests/ against the installed wheel (not a source checkout on the path)
    rc = sh([PY, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs", f"--junitxml={xml}", "tests",
             "--ignore=tests/live"]).returncode
    junit_counts(s, xml, rc, "pytest")
    if s.skipped:
        s.note = "skipped tests: see the 'short test summary' above for why"
    return s


def odoo_found():
    return (ODOO_SRC / "odoo" / "__init__.py").is_file() and (ODOO_SRC / "setup" / "odoo-bin").is_file()


def odoo_tests():
    s = Suite("odoo (addon tests in Odoo 18)")
    tours = Suite(TOURS_SUITE)
    if not odoo_found():
        s.skipped = 1
        s.note = f"SKIPPED: no Odoo source tree at {ODOO_SRC} (set ODOO_SRC to an Odoo 18.0 checkout to run them)"
        tours.skipped, tours.note = tour_count(), "SKIPPED: needs the Odoo source tree as well"
        live = Suite("odoo live (real server)", skipped=1, note="SKIPPED: needs the Odoo source tree as well")
        return [s, tours, live]
    rc = sh(["bash", ROOT / "tools" / "venv.sh", "odoo"], env={"ODOO_SRC": str(ODOO_SRC)}).returncode
    if rc:
        s.failed = 1
        s.problems.append("could not install Odoo's requirements into the project environment")
        tours.skipped, tours.note = tour_count(), "SKIPPED: Odoo's requirements did not install"
        return [s, tours]
    pg = subprocess.run(["bash", ROOT / "tools" / "pg.sh", "start"], capture_output=True, text=True)
    if pg.returncode:
        s.failed = 1
        s.problems.append(f"could not start PostgreSQL: {pg.stderr.strip()}")
        tours.skipped, tours.note = tour_count(), "SKIPPED: PostgreSQL did not start"
        return [s, tours]
    pgenv = dict(re.findall(r"(\w+)=(\S+)", pg.stdout))
    db = f"medsync_test_{os.getpid()}"
    env = {**pgenv, "PYTHONPATH": str(ODOO_SRC)}
    log = RUN / "odoo-test.log"
    subprocess.run(["dropdb", "--if-exists", db], env={**os.environ, **pgenv}, capture_output=True)
    live = Suite("odoo live (real server)")
    try:
        proc = sh([
            PY, ODOO_SRC / "setup" / "odoo-bin",
            f"--addons-path={ODOO_SRC / 'odoo' / 'addons'},{ROOT / 'odoo_addon'}",
            f"--db_host={pgenv['PGHOST']}", f"--db_port={pgenv['PGPORT']}", f"--db_user={pgenv['PGUSER']}",
            "-d", db, "-i", "medsync", "--test-enable", "--test-tags", f"/medsync,-{TOURS}",
            "--stop-after-init", "--log-level=test", "--without-demo=",
            f"--data-dir={RUN / 'odoo-data'}", "--http-port=0",
        ], log=log, env=env)
        # the roles' browser tours on the same database (each test rolls back: the demo data stay as installed)
        tour_suite(tours, db, pgenv)
        # the same database, now served by a real Odoo (workers, job runner): concurrency and crash tests
        live_suite(live, db, pgenv)
    finally:
        subprocess.run(["dropdb", "--if-exists", db], env={**os.environ, **pgenv}, capture_output=True)
    text = log.read_text()
    m = re.search(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests", text)
    if not m:
        s.failed = 1
        s.problems.append(f"Odoo ran no test (exit {proc.returncode}); see {log}")
        return [s, tours, live]
    failed, errors, total = map(int, m.groups())
    s.failed = failed + errors
    s.passed = total - s.failed
    # errors outside tests (a view that does not load, a failing data file) count too
    stray = [ln for ln in text.splitlines() if re.search(r"\d \w+ (ERROR|CRITICAL) ", ln)
             and "odoo.tests.result" not in ln and ": FAIL: " not in ln and ": ERROR: " not in ln]
    if stray:
        s.failed += 1
        s.problems.append(f"{len(stray)} ERROR line(s) in the Odoo log, first: {stray[0][:200]}")
    if proc.returncode and not s.failed:
        s.failed = 1
        s.problems.append(f"odoo-bin exited {proc.returncode}")
    return [s, tours, live]


def tour_count():
    """The tour tests in tests/test_tours.py (to count them as skipped when they cannot run)."""
    path = ADDON / "tests" / "test_tours.py"
    return len(re.findall(r"^    def test_\w+", path.read_text(), re.M)) if path.exists() else 1


def find_chromium():
    """Chromium as Odoo finds it (on the PATH); installed with apt-get when we are root and can."""
    found = next((shutil.which(n) for n in CHROME_NAMES if shutil.which(n)), None)
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    print("Chromium not found: installing it with apt-get (the browser tours need it)", flush=True)
    apt_env = {"DEBIAN_FRONTEND": "noninteractive"}
    if sh(["apt-get", "install", "-y", "--no-install-recommends", "chromium"], env=apt_env).returncode:
        sh(["apt-get", "update"], env=apt_env)
        sh(["apt-get", "install", "-y", "--no-install-recommends", "chromium"], env=apt_env)
    return next((shutil.which(n) for n in CHROME_NAMES if shutil.which(n)), None)


def tour_suite(s, db, pgenv):
    """Each role's browser tour (tests/test_tours.py) in its own Odoo run on the installed database.

    Odoo's HttpCase skips a browser test without a word in the summary when it
    finds no Chrome; here a missing browser is said and counted as skipped."""
    started = time.time()
    try:
        count = tour_count()
        if not find_chromium():
            s.skipped = count
            s.note = ("SKIPPED: no Chromium (install it: apt-get install chromium, as root; Odoo looks for "
                      f"{', '.join(CHROME_NAMES)} on the PATH)")
            return s
        if subprocess.run([PY, "-c", "import websocket"], capture_output=True).returncode:
            s.skipped = count
            s.note = "SKIPPED: websocket-client is missing from the environment (tools/requirements-odoo-extra.txt)"
            return s
        shots = RUN / "screenshots"
        shutil.rmtree(shots, ignore_errors=True)
        log = RUN / "odoo-tours.log"
        proc = sh([
            PY, ODOO_SRC / "setup" / "odoo-bin",
            f"--addons-path={ODOO_SRC / 'odoo' / 'addons'},{ROOT / 'odoo_addon'}",
            f"--db_host={pgenv['PGHOST']}", f"--db_port={pgenv['PGPORT']}", f"--db_user={pgenv['PGUSER']}",
            "-d", db, "--test-enable", "--test-tags", TOURS, "--stop-after-init", "--log-level=test",
            f"--data-dir={RUN / 'odoo-data'}", "--http-port=0", f"--screenshots={shots / 'failed'}",
        ], log=log, env={**pgenv, "PYTHONPATH": str(ODOO_SRC), "MEDSYNC_SCREENSHOTS": str(shots)})
        text = log.read_text()
        m = re.search(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests", text)
        if not m:
            s.failed = 1
            s.problems.append(f"Odoo ran no tour (exit {proc.returncode}); see {log}")
            return s
        failed, errors, total = map(int, m.groups())
        skips = re.findall(r"skipped [^\n]*TestTours[^\n]* : (.*)", text)
        s.failed = failed + errors
        # a skip of the whole class (setUpClass: no demo data) skips every tour
        s.skipped = count if any("setUpClass" in ln for ln in re.findall(r"skipped [^\n]*TestTours", text)) \
            else len(skips)
        s.passed = max(0, total - s.failed - s.skipped)
        stray = [ln for ln in text.splitlines() if re.search(r"\d \w+ (ERROR|CRITICAL) ", ln)
                 and "odoo.tests.result" not in ln and ".browser:" not in ln
                 and ": FAIL: " not in ln and ": ERROR: " not in ln]
        if stray:
            s.failed += 1
            s.problems.append(f"{len(stray)} ERROR line(s) in the tours' log, first: {stray[0][:200]}")
        if proc.returncode and not s.failed:
            s.failed = 1
            s.problems.append(f"odoo-bin exited {proc.returncode} during the tours")
        for name in re.findall(r"FAIL: TestTours\.(\w+)", text):
            s.problems.append(f"{name}: see the failing step in {log} and the screen in {shots / 'failed'}")
        times = re.findall(r"tour (medsync_\w+) as \w+: ([\d.]+) s", text)
        notes = [f"screens in {shots}"] if s.passed or s.failed else []
        if times:
            notes.append("tours " + ", ".join(f"{n[len('medsync_'):-len('_tour')]} {t}s" for n, t in times))
        if skips:
            notes.insert(0, f"SKIPPED {len(skips)}: {skips[0].strip()}")
        s.note = "; ".join(notes)
        return s
    finally:
        s.seconds = time.time() - started


def junit_counts(s, xml, rc, what):
    if not xml.exists():
        s.failed = 1
        s.problems.append(f"{what} did not run (exit {rc})")
        return s
    root = ET.parse(xml).getroot()
    for ts in [root] if root.tag == "testsuite" else list(root.iter("testsuite")):
        total = int(ts.get("tests", 0))
        bad = int(ts.get("failures", 0)) + int(ts.get("errors", 0))
        skipped = int(ts.get("skipped", 0))
        s.failed += bad
        s.skipped += skipped
        s.passed += total - bad - skipped
    if rc not in (0, 1) and not s.failed:
        s.failed = 1
        s.problems.append(f"{what} exited {rc}")
    return s


def live_suite(s, db, pgenv):
    started = time.time()
    xml = RUN / "pytest-live.xml"
    xml.unlink(missing_ok=True)
    rc = sh([PY, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs", f"--junitxml={xml}", "tests/live"],
            env={**pgenv, "MEDSYNC_LIVE_DB": db, "ODOO_SRC": str(ODOO_SRC)}).returncode
    junit_counts(s, xml, rc, "the live tests")
    s.seconds = time.time() - started
    return s


def main():
    RUN.mkdir(parents=True, exist_ok=True)
    started = time.time()
    if sh(["bash", ROOT / "tools" / "venv.sh", "base"]).returncode:
        print("0 passed, 1 failed: could not create the project environment")
        return 1
    ruff = VENV / "bin" / "ruff"
    steps = [
        lambda: one_check("rustfmt", ["cargo", "fmt", "--check"]),
        lambda: one_check("clippy", ["cargo", "clippy", "--all-targets", "--features", "python", "--",
                                     "-D", "warnings"]),
        cargo_tests,
        lambda: one_check("ruff", [ruff, "check", "."]),
        build_wheel,
        pytest,
        odoo_tests,
    ]
    results = []
    for step in steps:
        t0 = time.time()
        out = step()
        suites = out if isinstance(out, list) else [out]
        for suite in suites:
            results.append(suite)
        # a step that ran several suites timed the later ones itself; the first gets the rest
        suites[0].seconds = time.time() - t0 - sum(x.seconds for x in suites[1:])
        if out is not None and not isinstance(out, list) and out.name == "wheel build" and out.failed:
            results.append(Suite("pytest", failed=1, problems=["not run: the wheel did not build"]))
            results.append(Suite("odoo (addon tests in Odoo 18)", failed=1,
                                 problems=["not run: the wheel did not build"]))
            results.append(Suite(TOURS_SUITE, skipped=tour_count(), note="SKIPPED: the wheel did not build"))
            break

    print("\n" + "=" * 78)
    print(f"{'suite':36} {'passed':>7} {'failed':>7} {'skipped':>8} {'seconds':>8}")
    for s in results:
        print(f"{s.name:36} {s.passed:7d} {s.failed:7d} {s.skipped:8d} {s.seconds:8.1f}")
    for s in results:
        for p in s.problems:
            print(f"FAILED  {s.name}: {p}")
        if s.note:
            print(f"note    {s.name}: {s.note}")
    passed = sum(s.passed for s in results)
    failed = sum(s.failed for s in results)
    skipped = sum(s.skipped for s in results)
    print(f"total time {time.time() - started:.0f}s")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
