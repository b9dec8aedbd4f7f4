"""deploy/: the Caddyfiles are what Debian's Caddy accepts as they are, the systemd units are what systemd
accepts, and both point at the same port and at entry points that exist."""
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UPSTREAMS = [{"dial": "127.0.0.1:8000"}, {"dial": "127.0.0.1:8001"}]  # hocba-web, hocba-web@8001


def adapt(name: str) -> tuple[dict, str]:
    if not shutil.which("caddy"):
        pytest.fail("Debian caddy is missing: `make test` installs it")
    done = subprocess.run(["caddy", "adapt", "--config", str(DEPLOY / name), "--adapter", "caddyfile"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done.stderr


def _handlers(node):
    """Every handler object anywhere in Caddy's JSON config."""
    if isinstance(node, dict):
        if "handler" in node:
            yield node
        for value in node.values():
            yield from _handlers(value)
    elif isinstance(node, list):
        for value in node:
            yield from _handlers(value)


@pytest.mark.parametrize("name", ["Caddyfile.public", "Caddyfile.lan"])
def test_caddyfile_adapts_cleanly_and_proxies_to_the_web_unit(name):
    config, warnings = adapt(name)
    assert "not formatted" not in warnings  # `caddy fmt` leaves it as it is: what the IT teacher edits is tidy
    proxies = [h for h in _handlers(config) if h["handler"] == "reverse_proxy"]
    assert proxies and all(h["upstreams"] == UPSTREAMS for h in proxies)
    limits = [h for h in _handlers(config) if h["handler"] == "request_body"]
    assert limits and all(h["max_size"] == 20_000_000 for h in limits)


def test_lan_caddyfile_uses_the_internal_ca_and_serves_only_the_ca_page_over_http():
    config, _ = adapt("Caddyfile.lan")
    policies = config["apps"]["tls"]["automation"]["policies"]
    assert any(i.get("module") == "internal" for p in policies for i in p.get("issuers", []))
    assert config["apps"]["pki"]["certificate_authorities"]["local"]["install_trust"] is False
    text = json.dumps(config)
    assert '"/chung-chi-may-chu/*"' in text and '"https://{http.request.host}{http.request.uri}"' in text


def test_public_caddyfile_gets_automatic_certificates():
    config, _ = adapt("Caddyfile.public")
    assert "internal" not in json.dumps(config.get("apps", {}).get("tls", {}))
    assert "hocba.truong.edu.vn" in json.dumps(config)


@pytest.mark.parametrize("unit", ["hocba-web.service", "hocba-web@.service", "hocba-worker.service"])
def test_systemd_unit_restarts_on_failure_logs_to_the_journal_and_is_accepted_by_systemd(unit, tmp_path):
    text = (DEPLOY / unit).read_text(encoding="utf-8")
    unit = unit.replace("@.", "@8001.")  # a template is verified as the instance the README enables
    for line in ("Restart=on-failure", "StandardOutput=journal", "StandardError=journal", "User=hocba", "LimitCORE=0",
                 "ReadWritePaths=/opt/hocba/instance", "WantedBy=multi-user.target"):
        assert line in text.splitlines(), line
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed on this machine (Debian's systemd package brings it)")
    # systemd checks that the program exists: point it at this checkout's interpreter for the check.
    bin_dir = Path(sys.executable).parent
    local = text.replace("/opt/hocba/.venv/bin/", f"{bin_dir}/")
    (tmp_path / unit).write_text(local, encoding="utf-8")
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", str(tmp_path / unit)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr.strip() and not done.stdout.strip(), done.stderr + done.stdout


def test_units_start_entry_points_that_exist_on_the_port_caddy_proxies_to():
    web = (DEPLOY / "hocba-web.service").read_text(encoding="utf-8")
    worker = (DEPLOY / "hocba-worker.service").read_text(encoding="utf-8")
    more = (DEPLOY / "hocba-web@.service").read_text(encoding="utf-8")
    start = re.search(r"^ExecStart=(.*)$", web, re.M).group(1)
    assert f"--listen={UPSTREAMS[0]['dial']}" in start and start.endswith(" wsgi:app")
    assert re.search(r"^ExecStart=(.*)$", more, re.M).group(1) == start.replace(":8000", ":%i")
    assert "HOCBA_SEPARATE_WORKER=true" in more
    assert (ROOT / "wsgi.py").exists()
    assert "HOCBA_SEPARATE_WORKER=true" in web and "HOCBA_SEPARATE_WORKER=true" in worker
    assert re.search(r"^ExecStart=/opt/hocba/\.venv/bin/python -m portal\.worker$", worker, re.M)
    assert importlib.util.find_spec("portal.worker") is not None
