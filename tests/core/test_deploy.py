"""The deployment's edge: Caddy terminates TLS in docker-compose and is the only published service; forwarded
headers (X-Forwarded-Proto, -For) count only from it (gunicorn and Django agree on its address)."""

from __future__ import annotations

import base64
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.test import RequestFactory

from geo_portal.core.middleware import TrustedProxyMiddleware

ROOT = Path(settings.BASE_DIR)
PROXY = "172.30.0.10"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_only_the_tls_proxy_is_published(compose):
    services = compose["services"]
    published = sorted(name for name, service in services.items() if service.get("ports"))
    assert published == ["proxy"]
    assert services["proxy"]["ports"] == ["80:80", "443:443", "443:443/udp"]
    assert services["proxy"]["image"].startswith("caddy:2")
    assert services["web"]["expose"] == ["8000"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in services["proxy"]["volumes"]


def test_gunicorn_and_django_trust_forwarded_headers_from_the_proxy_alone(compose):
    services = compose["services"]
    address = services["proxy"]["networks"]["edge"]["ipv4_address"]
    env = services["web"]["environment"]
    assert address == PROXY
    assert (env["FORWARDED_ALLOW_IPS"], env["GEO_PORTAL_TRUSTED_PROXIES"], env["GEO_PORTAL_NUM_PROXIES"]) == (
        PROXY,
        PROXY,
        "1",
    )
    assert compose["networks"]["edge"]["ipam"]["config"] == [{"subnet": "172.30.0.0/24"}]
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert re.search(r"^\treverse_proxy web:8000 \{", caddyfile, re.M)
    assert not re.search(r"^\s*trusted_proxies", caddyfile, re.M)  # Caddy replaces a client's forwarded headers


def test_gunicorn_reads_the_proxy_address_from_the_environment():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "geo_portal.config.settings.test", "FORWARDED_ALLOW_IPS": PROXY}
    cmd = [sys.executable, "-m", "gunicorn", "-c", "python:geo_portal.config.gunicorn", "--print-config"]
    proc = subprocess.run([*cmd, "geo_portal.config.wsgi:application"], env=env, capture_output=True, text=True, check=True)
    resolved = {
        k.strip(): v.strip() for k, v in (line.split(" = ", 1) for line in proc.stdout.splitlines() if " = " in line)
    }
    assert resolved["forwarded_allow_ips"] == f"['{PROXY}']"


def test_compose_file_is_valid():
    tool = Path(sys.executable).with_name("check-jsonschema")
    proc = subprocess.run(
        [str(tool), "--builtin-schema", "vendor.compose-spec", str(ROOT / "docker-compose.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _seen(remote_addr: str, trusted: list[str]) -> dict:
    seen = {}

    def view(request):
        seen.update(
            secure=request.is_secure(),
            forwarded_for=request.META.get("HTTP_X_FORWARDED_FOR"),
            forwarded_proto=request.META.get("HTTP_X_FORWARDED_PROTO"),
        )

    request = RequestFactory().get(
        "/", REMOTE_ADDR=remote_addr, HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "TRUSTED_PROXIES", trusted)
        patch.setattr(settings, "SECURE_PROXY_SSL_HEADER", ("HTTP_X_FORWARDED_PROTO", "https"))
        TrustedProxyMiddleware(view)(request)
    return seen


def test_forwarded_headers_from_anyone_else_are_dropped():
    assert _seen("203.0.113.9", [PROXY]) == {"secure": False, "forwarded_for": None, "forwarded_proto": None}
    assert _seen(PROXY, [PROXY]) == {"secure": True, "forwarded_for": "198.51.100.7", "forwarded_proto": "https"}
    assert _seen("172.30.0.77", ["172.30.0.0/24"])["secure"] is True  # a network works too
    assert _seen(PROXY, [])["secure"] is False  # no proxy configured: nobody is trusted


def test_a_client_cannot_claim_https_or_another_address(client, db, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # as in settings.production
    direct = client.get("/api/v1/geocode", {"q": "光復路1號"}, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https")
    assert (direct.status_code, direct["Location"]) == (
        301,
        "https://testserver/api/v1/geocode?q=%E5%85%89%E5%BE%A9%E8%B7%AF1%E8%99%9F",
    )
    proxied = client.get("/api/v1/geocode", {"q": "光復路1號"}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https")
    assert proxied.status_code == 200
    assert client.get("/healthz", REMOTE_ADDR="203.0.113.9").status_code == 200  # the container check: plain HTTP


def _compose_env(service: dict) -> dict[str, str]:
    """A service's environment with every ``${NAME…}`` filled as a deployment's .env would (random secrets,
    registry key rings in their "<id>:<base64 key>" form, a host name, no optional value)."""
    filled = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_ALLOWED_HOSTS": "geo.example.tw",
        "GEO_PORTAL_REGISTRY_ENCRYPTION_KEYS": "1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "GEO_PORTAL_REGISTRY_HASH_KEYS": "1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
    }

    def value(match: re.Match) -> str:
        name, rest = match.group(1), match.group(2) or ""
        if name in filled:
            return filled[name]
        if rest.startswith(":-"):
            return rest[2:]  # the file's default
        return secrets.token_urlsafe(24)  # a password

    return {key: re.sub(r"\$\{(\w+)([^}]*)\}", value, str(raw)) for key, raw in service["environment"].items()}


@pytest.mark.parametrize("name", ["web", "worker"])
def test_the_compose_deployment_passes_check_deploy_without_warnings(compose, name, tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        **_compose_env(compose["services"][name]),
        "GEO_PORTAL_MEDIA_ROOT": str(tmp_path / "media"),
        "GEO_PORTAL_REGISTRY_DOCUMENTS_ROOT": str(tmp_path / "documents"),
    }
    assert env["DJANGO_SETTINGS_MODULE"] == "geo_portal.config.settings.production"
    proc = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "System check identified no issues (1 silenced)."  # gis.W001, with its reason
