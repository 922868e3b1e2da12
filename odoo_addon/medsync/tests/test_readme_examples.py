"""The documentation's curl examples, run as written against the demo database.

Every ``curl`` command of the shell blocks of README.md and docs/api.md (where
the API examples live) is parsed (method, path,
headers, body) and sent to this server, with ``$KEY`` an API key of the
system the URL names, issued as the demo's integration admin would; the
comment line that follows the command says the status it answers
(``# 202: ...``), and that is the status asserted. An example that names
another vendor's order, or a system the demo lacks, fails here before a
reader tries it."""

import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

from odoo.tests import HttpCase, tagged

from ..services import hub

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE_FILES = (ROOT / "README.md", ROOT / "docs" / "api.md")
EXPECTED = re.compile(r"^#\s*(\d{3})\b")
SHELL_BLOCK = re.compile(r"^```(?:sh|bash|shell)\n(.*?)^```", re.S | re.M)


def curl_examples(text):
    """``[(argv, expected status)]`` of the curl commands in ``text``'s shell
    blocks; a command without a status comment after it has ``None``."""
    out = []
    for block in SHELL_BLOCK.findall(text):
        lines = block.replace("\\\n", " ").splitlines()
        for i, line in enumerate(lines):
            if not line.strip().startswith("curl "):
                continue
            nxt = next((x.strip() for x in lines[i + 1:] if x.strip()), "")
            status = EXPECTED.match(nxt)
            out.append((shlex.split(line), int(status.group(1)) if status else None))
    return out


def parse_curl(argv):
    """(method, path with query, headers, body) of a curl command line."""
    method, url, headers, body = None, None, {}, None
    args = iter(argv[1:])
    for arg in args:
        if arg in ("-X", "--request"):
            method = next(args)
        elif arg in ("-H", "--header"):
            name, _sep, value = next(args).partition(":")
            headers[name.strip()] = value.strip()
        elif arg in ("-d", "--data", "--data-raw", "--data-binary"):
            body = next(args)
        elif arg in ("-s", "--silent", "-i", "--include", "-S", "--show-error", "-f", "--fail"):
            continue
        elif arg.startswith("http"):
            url = arg
        else:
            raise ValueError(f"curl option {arg!r} is not understood by this test")
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return method or ("POST" if body is not None else "GET"), path, headers, body


@tagged("post_install", "-at_install")
class TestReadmeExamples(HttpCase):
    def test_parser(self):
        text = ("```sh\ncurl -s -X POST http://h:8069/a/b \\\n  -H \"Authorization: Bearer $KEY\" "
                "-d '{\"x\": 1}'\n# 202: accepted\ncurl -s http://h/c?d=1\n```\n")
        [(post, s1), (get, s2)] = curl_examples(text)
        self.assertEqual(parse_curl(post), ("POST", "/a/b", {"Authorization": "Bearer $KEY"}, '{"x": 1}'))
        self.assertEqual((s1, s2), (202, None))
        self.assertEqual(parse_curl(get), ("GET", "/c?d=1", {}, None))

    def test_readme_curl_examples_answer_what_the_readme_says(self):
        if not self.env.ref("medsync.hub_system_medline", raise_if_not_found=False):
            self.skipTest("the README's examples run against the demo data (install with demo)")
        examples = [ex for doc in EXAMPLE_FILES for ex in curl_examples(doc.read_text(encoding="utf-8"))]
        self.assertTrue(examples, "docs/api.md shows how to call the API with curl")
        admin = self.env.ref("medsync.user_integration")
        keys = {}
        for argv, expected in examples:
            method, path, headers, body = parse_curl(argv)
            self.assertIsNotNone(expected, f"README: say what {' '.join(argv[:4])}... answers (# <status>)")
            code = path.split("/")[4] if path.startswith("/medsync/api/v1/") else None
            system = self.env["medsync.system"].search([("code", "=", code)]) if code else None
            if code and code not in ("openapi.json", "metrics"):
                self.assertTrue(system, f"README: no demo system {code!r}")
                if code not in keys:
                    keys[code] = system.with_user(admin)._generate_key(1)
                    hub._auth_cache.clear()
            headers = {k: v.replace("$KEY", keys.get(code, "")) for k, v in headers.items()}
            res = self.opener.request(method, self.base_url() + path, headers=headers,
                                      data=body.encode() if body is not None else None, timeout=30)
            self.env.invalidate_all()
            hint = ""
            if res.status_code != expected and system and system.partner_id:
                orders = self.env["purchase.order"].search(
                    [("partner_id.commercial_partner_id", "=", system.partner_id.commercial_partner_id.id),
                     ("state", "=", "purchase")])
                hint = f" ({system.partner_id.name}'s open orders in the demo: {', '.join(orders.mapped('name'))})"
            self.assertEqual(res.status_code, expected, f"{method} {path}: {res.text}{hint}")
