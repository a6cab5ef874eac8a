import functools
import hashlib
import http.server
import socket
import threading
import zipfile

import pytest

from wordvec.data import download as dl
from wordvec.errors import WordvecError


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def register(monkeypatch, **kw):
    ds = dl.Dataset(description="test", **kw)
    monkeypatch.setitem(dl.DATASETS, ds.name, ds)
    return ds


def test_plain_file_verified_and_cached(server, tmp_path, monkeypatch):
    root, base = server
    body = b"to be or not to be\n" * 100
    (root / "s.txt").write_bytes(body)
    register(monkeypatch, name="s", url=f"{base}/s.txt", filename="s.txt",
             sha256=hashlib.sha256(body).hexdigest(), size=len(body))
    path = dl.download("s", tmp_path / "cache", progress=False)
    assert path.read_bytes() == body
    (root / "s.txt").unlink()  # a second call must not need the server
    assert dl.download("s", tmp_path / "cache", progress=False) == path
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["s.txt"]


def test_zip_member_extracted(server, tmp_path, monkeypatch):
    root, base = server
    body = b" anarchism originated as a term of abuse" * 50
    with zipfile.ZipFile(root / "t.zip", "w") as z:
        z.writestr("t8", body)
    register(monkeypatch, name="t", url=f"{base}/t.zip", filename="t8",
             sha256=hashlib.sha256(body).hexdigest(), size=len(body), zip_member="t8")
    assert dl.download("t", tmp_path / "cache", progress=False).read_bytes() == body


def test_checksum_mismatch_keeps_nothing(server, tmp_path, monkeypatch):
    root, base = server
    (root / "s.txt").write_bytes(b"tampered")
    register(monkeypatch, name="s", url=f"{base}/s.txt", filename="s.txt", sha256="0" * 64, size=8)
    with pytest.raises(WordvecError, match="checksum mismatch"):
        dl.download("s", tmp_path / "cache", progress=False)
    assert list((tmp_path / "cache").iterdir()) == []


def test_offline_and_missing_give_one_line(server, tmp_path, monkeypatch):
    _, base = server
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]  # nothing listens here once the socket closes
    register(monkeypatch, name="x", url=f"http://127.0.0.1:{closed}/x.txt", filename="x.txt", sha256="0" * 64, size=1)
    with pytest.raises(WordvecError, match="cannot reach the server.*offline"):
        dl.download("x", tmp_path / "cache", progress=False, timeout=5)
    register(monkeypatch, name="y", url=f"{base}/missing.txt", filename="y.txt", sha256="0" * 64, size=1)
    with pytest.raises(WordvecError, match="404"):
        dl.download("y", tmp_path / "cache", progress=False)
    with pytest.raises(WordvecError, match="unknown dataset 'nope'"):
        dl.download("nope")


def test_registry_names_official_sources():
    assert dl.DATASETS["text8"].url == "http://mattmahoney.net/dc/text8.zip"
    assert dl.DATASETS["shakespeare"].url.startswith("https://storage.googleapis.com/download.tensorflow.org/")
    assert all(len(d.sha256) == 64 for d in dl.DATASETS.values())
