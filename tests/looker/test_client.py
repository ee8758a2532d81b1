"""LookerClient through looker-sdk over HTTP against the emulator: settings, login, retries."""

from __future__ import annotations

import logging
import socket
import time
import traceback
from pathlib import Path

import pytest

from exposure_sync.errors import BadInputError, ExposureSyncError, LookerError
from exposure_sync.looker.client import (
    LookerAuthError,
    LookerClient,
    LookerRequestError,
    NotFound,
)
from exposure_sync.looker.emulator.faults import FaultConfig
from exposure_sync.looker.emulator.server import EmulatorServer

VARIABLES = ("LOOKERSDK_BASE_URL", "LOOKERSDK_CLIENT_ID", "LOOKERSDK_CLIENT_SECRET")


@pytest.fixture
def no_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in (*VARIABLES, "LOOKERSDK_VERIFY_SSL", "LOOKERSDK_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def assert_one_line_without(err: ExposureSyncError, *secrets: str) -> str:
    """The message is one line; no secret in it or anywhere in the traceback."""
    message = str(err)
    assert message and "\n" not in message
    full = "".join(traceback.format_exception(err))
    for secret in secrets:
        assert secret not in full
    return message


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- requests -----------------------------------------------------------------------------------


def test_get_json_reads_plain_json_and_counts_requests(emulator: EmulatorServer) -> None:
    client = LookerClient()
    assert client.base_url == emulator.base_url
    rows = client.get_json("/dashboards/search", fields="id,title", limit=3, sorts="id")
    assert rows == [
        {"id": "1", "title": "Sales overview"},
        {"id": "2", "title": "Customers"},
        {"id": "3", "title": "Snowflake users"},
    ]
    users = client.get_json("/users", ids=["1", "3"], fields="id")  # lists: comma-separated
    assert users == [{"id": "1"}, {"id": "3"}]
    assert client.request_count == 3  # login + 2
    assert emulator.stats.counts() == {"login": 1, "search_dashboards": 1, "all_users": 1}


def test_get_text_for_generated_sql(emulator: EmulatorServer) -> None:
    sql = LookerClient().get_text("/queries/1/run/sql")
    assert sql.lstrip().upper().startswith(("SELECT", "WITH"))


def test_404_is_not_found(emulator: EmulatorServer) -> None:
    with pytest.raises(NotFound) as err:
        LookerClient().get_json("/dashboards/999")
    assert err.value.status == 404 and "/dashboards/999" in str(err.value)
    assert emulator.stats.counts()["dashboard"] == 1  # a 404 is an answer: no retry


def test_other_refusals_are_not_retried(emulator: EmulatorServer) -> None:
    with pytest.raises(LookerRequestError) as err:
        LookerClient().get_json("/dashboards/search", fields="id(")  # bad fields syntax
    assert err.value.status == 400 and not isinstance(err.value, NotFound)
    assert emulator.stats.counts()["search_dashboards"] == 1


def test_retries_then_succeeds(emulator: EmulatorServer) -> None:
    clean = LookerClient().get_json("/dashboards/search", fields="id")
    emulator.set_faults(FaultConfig(fault_rate=0.5, seed=4, exempt=frozenset({"login"})))
    emulator.stats.reset()
    sleeps = Sleeps()
    client = LookerClient(retries=10, sleep=sleeps)
    for _ in range(5):
        assert client.get_json("/dashboards/search", fields="id") == clean
    faults = [r.fault for r in emulator.stats.log() if r.fault]
    assert faults and len(sleeps) == len(faults)


def test_backoff_grows_exponentially_with_jitter(emulator: EmulatorServer) -> None:
    emulator.set_faults(FaultConfig(fault_rate=1.0, kinds=("503",), exempt=frozenset({"login"})))
    sleeps = Sleeps()
    client = LookerClient(retries=4, backoff=0.5, max_backoff=3.0, sleep=sleeps)
    with pytest.raises(LookerRequestError) as err:
        client.get_json("/folders")
    assert err.value.status == 503
    assert "kept failing GET /folders (HTTP 503) after 5 attempts" in str(err.value)
    assert len(sleeps) == 4
    for attempt, delay in enumerate(sleeps):
        assert 0 <= delay <= min(3.0, 0.5 * 2**attempt)
    assert emulator.stats.counts()["all_folders"] == 5


def test_retry_after_is_honoured(emulator: EmulatorServer) -> None:
    emulator.set_faults(
        FaultConfig(fault_rate=1.0, kinds=("429",), retry_after_s=7, exempt=frozenset({"login"}))
    )
    sleeps = Sleeps()
    with pytest.raises(LookerRequestError, match="HTTP 429"):
        LookerClient(retries=3, backoff=0.01, sleep=sleeps).get_json("/folders")
    assert sleeps == [7.0, 7.0, 7.0]  # never less than Retry-After, whatever the backoff


def test_retry_after_really_waits(emulator: EmulatorServer) -> None:
    """With the real sleep: one retry after a 429 with Retry-After: 1 takes at least 1 s."""
    emulator.set_faults(
        FaultConfig(fault_rate=1.0, kinds=("429",), retry_after_s=1, exempt=frozenset({"login"}))
    )
    client = LookerClient(retries=1, backoff=0.001)
    client.login()
    start = time.monotonic()
    with pytest.raises(LookerRequestError, match="HTTP 429"):
        client.get_json("/folders")
    assert time.monotonic() - start >= 1.0


def test_connection_drops_are_retried(emulator: EmulatorServer) -> None:
    emulator.set_faults(FaultConfig(fault_rate=1.0, kinds=("drop",), exempt=frozenset({"login"})))
    sleeps = Sleeps()
    with pytest.raises(LookerRequestError) as err:
        LookerClient(retries=2, sleep=sleeps).get_json("/folders")
    assert err.value.status is None and "connection failed" in str(err.value)
    assert len(sleeps) == 2


def test_expired_session_logs_in_again_once(emulator: EmulatorServer) -> None:
    client = LookerClient()
    client.get_json("/folders", fields="id")
    emulator.expire_tokens()
    client.get_json("/folders", fields="id")
    assert emulator.stats.counts()["login"] == 2
    assert emulator.stats.counts()["all_folders"] == 3  # ok, 401, ok


def test_many_threads_share_one_login(emulator: EmulatorServer) -> None:
    from concurrent.futures import ThreadPoolExecutor

    client = LookerClient(concurrency=8)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: client.get_json("/folders", fields="id"), range(32)))
    assert all(r == results[0] for r in results)
    assert emulator.stats.counts()["login"] == 1


# -- login and settings errors ------------------------------------------------------------------


def test_bad_credentials(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "wrong-secret-" + "x" * 12
    monkeypatch.setenv("LOOKERSDK_CLIENT_SECRET", secret)
    with pytest.raises(LookerAuthError) as err:
        LookerClient(sleep=Sleeps()).get_json("/folders")
    message = assert_one_line_without(err.value, secret, emulator.client_secret)
    assert message.startswith(
        "Looker refused the credentials (LOOKERSDK_CLIENT_ID/LOOKERSDK_CLIENT_SECRET) at "
        f"{emulator.base_url}"
    )
    assert err.value.exit_code == 3
    assert emulator.stats.counts() == {"login": 1}  # a refusal is not retried


def test_unreachable_url(no_settings: None, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("LOOKERSDK_BASE_URL", url)
    monkeypatch.setenv("LOOKERSDK_CLIENT_ID", "id-123")
    monkeypatch.setenv("LOOKERSDK_CLIENT_SECRET", "secret-456")
    sleeps = Sleeps()
    client = LookerClient(retries=2, sleep=sleeps)
    with pytest.raises(LookerError) as err:
        client.login()
    message = assert_one_line_without(err.value, "secret-456")
    assert message == (
        f"Looker is unreachable at {url}: connection failed; "
        "check LOOKERSDK_BASE_URL and the network"
    )
    assert len(sleeps) == 2 and client.request_count == 3


@pytest.mark.parametrize("missing", VARIABLES)
def test_missing_variable_is_named(
    no_settings: None, monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    values = {
        "LOOKERSDK_BASE_URL": "http://looker.example.com:19999",
        "LOOKERSDK_CLIENT_ID": "id-123",
        "LOOKERSDK_CLIENT_SECRET": "secret-456",
    }
    for name, value in values.items():
        if name != missing:
            monkeypatch.setenv(name, value)
    with pytest.raises(BadInputError) as err:
        LookerClient()
    message = assert_one_line_without(err.value, "secret-456")
    assert message == f"{missing} is not set; export it or pass --looker-ini"
    assert err.value.exit_code == 2


def test_base_url_must_be_http(no_settings: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOOKERSDK_BASE_URL", "looker.example.com")
    monkeypatch.setenv("LOOKERSDK_CLIENT_ID", "id-123")
    monkeypatch.setenv("LOOKERSDK_CLIENT_SECRET", "secret-456")
    with pytest.raises(BadInputError, match="LOOKERSDK_BASE_URL must start with https://"):
        LookerClient()


def test_bad_timeout_is_named(no_settings: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOOKERSDK_TIMEOUT", "soon")
    with pytest.raises(BadInputError, match="LOOKERSDK_TIMEOUT must be a whole number"):
        LookerClient()


def write_ini(path: Path, server: EmulatorServer, section: str = "Looker") -> Path:
    path.write_text(
        f"[{section}]\nbase_url={server.base_url}\nclient_id={server.client_id}\n"
        f"client_secret={server.client_secret}\nverify_ssl=false\n",
        encoding="utf-8",
    )
    return path


def test_looker_ini_with_a_section(
    server: EmulatorServer, no_settings: None, tmp_path: Path
) -> None:
    ini = tmp_path / "looker.ini"
    ini.write_text("[Other]\nbase_url=http://nowhere.example\n", encoding="utf-8")
    with ini.open("a", encoding="utf-8") as out:
        out.write(write_ini(tmp_path / "part.ini", server, "Emulator").read_text())
    client = LookerClient(ini, "Emulator")
    assert client.base_url == server.base_url
    assert client.get_json("/dashboards/search", fields="id", limit=1) == [{"id": "1"}]


def test_env_overrides_looker_ini(
    server: EmulatorServer, no_settings: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ini = write_ini(tmp_path / "looker.ini", server)
    monkeypatch.setenv("LOOKERSDK_CLIENT_SECRET", "from-env")
    with pytest.raises(LookerAuthError) as err:
        LookerClient(ini, sleep=Sleeps()).login()
    message = assert_one_line_without(err.value, "from-env", server.client_secret)
    assert f"in {ini}" in message


@pytest.mark.parametrize(
    ("content", "section", "expected"),
    [
        (None, None, "looker.ini not found"),
        ("[Looker]\nclient_secret hunter2\n", None, "not a valid looker.ini (line 2)"),
        ("client_secret=hunter2\n", None, "not a valid looker.ini (line 1)"),
        ("[Looker]\nbase_url=http://x\n", "Prod", "no section [Prod]"),
        ("", None, "has no [section]"),
        ("[Looker]\nbase_url=http://x\nclient_id=a\n", None, "LOOKERSDK_CLIENT_SECRET is not set"),
    ],
)
def test_bad_looker_ini_is_one_line(
    no_settings: None, tmp_path: Path, content: str | None, section: str | None, expected: str
) -> None:
    ini = tmp_path / "looker.ini"
    if content is not None:
        ini.write_text(content, encoding="utf-8")
    with pytest.raises(BadInputError) as err:
        LookerClient(ini, section)
    message = assert_one_line_without(err.value, "hunter2")
    assert str(ini) in message and expected in message


def test_secrets_never_in_repr_or_logs(
    emulator: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = LookerClient()
    client.get_json("/folders", fields="id")
    for text in (repr(client), str(vars(client)), caplog.text):
        assert emulator.client_secret not in text
    assert repr(client) == f"LookerClient(base_url={emulator.base_url!r})"


def test_credentials_in_the_url_are_not_shown(
    no_settings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOOKERSDK_BASE_URL", "https://bob:pa55word@looker.example.com")
    monkeypatch.setenv("LOOKERSDK_CLIENT_ID", "id-123")
    monkeypatch.setenv("LOOKERSDK_CLIENT_SECRET", "secret-456")
    assert LookerClient().base_url == "https://looker.example.com"


def test_text_without_a_charset_is_read_as_utf8(emulator: EmulatorServer) -> None:
    """Generated SQL comes as text/plain without a charset; requests would guess ISO-8859-1 and
    garble a non-ASCII literal (a filter on a product name)."""
    body = {
        "model": "shop",
        "view": "orders",
        "fields": ["orders.count"],
        "filters": {"orders.status": "Café ☕"},
    }
    sql = LookerClient().post_text("/queries/run/sql", body)
    assert "Café ☕" in sql
    reply = emulator.stats.log()[-1]
    assert (reply.operation, reply.status) == ("run_inline_query", 200)


def test_posts_are_retried_like_gets(emulator: EmulatorServer) -> None:
    body = {"model": "shop", "view": "orders", "fields": ["orders.count"]}
    clean = LookerClient().post_text("/queries/run/sql", body)
    emulator.set_faults(FaultConfig(fault_rate=0.5, seed=4, exempt=frozenset({"login"})))
    emulator.stats.reset()
    sleeps = Sleeps()
    client = LookerClient(retries=10, sleep=sleeps)
    for _ in range(5):
        assert client.post_text("/queries/run/sql", body) == clean
    faults = [r.fault for r in emulator.stats.log() if r.fault]
    assert faults and len(sleeps) == len(faults)
