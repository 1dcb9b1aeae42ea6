"""Vendored files match their recorded checksums; static URLs carry a content hash."""

import gzip
import hashlib
import re
from pathlib import Path

import brotli

VENDOR = Path(__file__).resolve().parent.parent / "static" / "vendor"
TEST_VENDOR = Path(__file__).resolve().parent / "e2e" / "vendor"


def test_vendored_files_match_their_sha256():
    checksum_files = sorted(VENDOR.glob("*.sha256")) + sorted(TEST_VENDOR.glob("*.sha256"))
    assert len(checksum_files) >= 2, "vendored checksums missing"
    for checksum_file in checksum_files:
        expected, name = checksum_file.read_text().split()
        actual = hashlib.sha256((checksum_file.parent / name).read_bytes()).hexdigest()
        assert actual == expected, f"{name} does not match {checksum_file.name}"


def test_htmx_is_2_0_11():
    text = (VENDOR / "htmx-2.0.11.min.js").read_text()
    assert '"2.0.11"' in text


def test_pages_reference_hashed_static_files_cached_for_a_year(client):
    page = client.get("/login").get_data(as_text=True)
    assert "/static/vendor/htmx-2.0.11.min.js?v=" in page
    assert "/static/css/app.css?v=" in page
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"]


def without_csrf_tokens(html):
    """The page with its CSRF tokens blanked: a token carries the second it was signed in, so
    two fetches either side of a second's turn differ there and nowhere else."""
    return re.sub(rb'(X-CSRFToken": "|name="csrf_token"[^>]*? value=")[^"]+', rb"\1", html)


def test_pages_go_out_compressed_to_browsers_that_ask(client):
    plain = client.get("/login")
    assert "Content-Encoding" not in plain.headers  # a client that does not ask gets it plain
    for encoding, decompress in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        response = client.get("/login", headers={"Accept-Encoding": f"{encoding}, deflate"})
        assert response.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in response.headers["Vary"]
        assert len(response.data) < len(plain.data) / 2
        assert without_csrf_tokens(decompress(response.data)) == without_csrf_tokens(plain.data)
    small = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers  # under 1 KB: not worth the work


def test_favicon_is_the_products_mark_linked_from_every_base_template(client, login_as):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/x-icon"
    assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    count = int.from_bytes(icon.data[4:6], "little")
    sizes = {icon.data[6 + 16 * n] for n in range(count)}
    assert {16, 32, 48} <= sizes
    assert "max-age=86400" in icon.headers["Cache-Control"]
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert b"#b3261e" in svg.data and b"<title>" in svg.data
    page = client.get("/login").get_data(as_text=True)
    assert re.search(r'<link rel="icon" href="/static/favicon\.svg\?v=[0-9a-f]+"', page)
    assert '<link rel="icon" href="/favicon.ico"' in page
    kiosk = login_as("kiosk")
    start = kiosk.get("/kiosk/")
    assert start.status_code == 200
    assert '<link rel="icon" href="/static/favicon.svg?v=' in start.get_data(as_text=True)
    assert kiosk.get("/favicon.ico").status_code == 200  # inside the kiosk's fence
