"""Build one exposure entry from the typed Looker records.

Nothing volatile goes into an entry (no view counts, no timestamps): the file must only change
when something a reader cares about changed. Every free-text value is made Jinja-safe here,
because dbt renders labels, owners and meta while parsing and descriptions when it builds docs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from exposure_sync.config import Config, MaturityRule
from exposure_sync.config import Owner as ConfigOwner
from exposure_sync.exposures.entry import ExposureEntry, Owner
from exposure_sync.exposures.jinja import jinja_safe
from exposure_sync.exposures.keys import (
    DASHBOARD_ID_KEY,
    FOLDER_ID_KEY,
    FOLDER_KEY,
    GENERATED_BY,
    LOOK_ID_KEY,
    OUTSIDE_DBT_KEY,
)
from exposure_sync.looker.models import Dashboard, Folder, Look, User

BASE_TAG = "looker"
# When no maturity rule matches (the defaults always match: certified -> high, else medium).
FALLBACK_MATURITY = "low"
FOLDER_LINE = "Looker folder: {path}"
_API_PORT = ":19999"


def folder_path(folder_id: str | None, folders: Mapping[str, Folder]) -> str:
    """Names from the root down: "Shared/Marketing/Funnels", "Users/Anique Jones".

    Unknown and hidden parents end the path (it starts at the highest folder we can see); a
    parent cycle, which Looker should never serve, cannot loop forever.
    """
    names: list[str] = []
    seen: set[str] = set()
    current = folder_id
    while (
        current is not None
        and current not in seen
        and current in folders
        and not folders[current].hidden
    ):
        seen.add(current)
        folder = folders[current]
        names.append(folder.name)
        current = folder.parent_id
    return "/".join(reversed(names))


def folder_matches(pattern: str, path: str) -> bool:
    """Glob on a folder path: `*` stays within one folder, `**` spans any depth (zero too).

    "Shared/Marketing/**" matches "Shared/Marketing" and everything below it.
    """
    return _glob_regex(pattern).fullmatch(path) is not None


def _glob_regex(pattern: str) -> re.Pattern[str]:
    regex = ""
    segments = pattern.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            # any number of whole folders, including none (and then no separator either)
            regex += ".*" if last else "(?:[^/]*/)*"
            continue
        regex += "".join(
            "[^/]*" if ch == "*" else "[^/]" if ch == "?" else re.escape(ch) for ch in segment
        )
        if not last:
            regex += "/"
    # "a/**" must also match "a" itself: make the separator before a final ** optional
    if segments[-1] == "**" and len(segments) > 1:
        regex = regex[: -len("/.*")] + "(?:/.*)?"
    return re.compile(regex)


def choose_owner(user_id: str | None, users: Mapping[str, User], default: ConfigOwner) -> Owner:
    """The dashboard's owner; the configured default when unknown, disabled or anonymous.

    A user with a name but no email is kept (Looker hides emails from API users without the
    right permission; the name still tells readers whom to ask).
    """
    user = users.get(user_id) if user_id is not None else None
    name, email = (_text(user.display_name), _text(user.email)) if user else (None, None)
    if user is None or user.is_disabled or not (name or email):
        return _default_owner(default)
    return Owner(name=name, email=email)


def _default_owner(default: ConfigOwner) -> Owner:
    # dbt requires a name or an email; an empty configured default would fail `dbt parse`
    name, email = _text(default.name), _text(default.email)
    if not (name or email):
        return Owner(name="Looker", email=None)
    return Owner(name=name, email=email)


def _text(value: str | None) -> str | None:
    """Owner text as dbt should show it: blank is absent, and dbt renders Jinja in both the
    name and the email, so either may need escaping."""
    value = (value or "").strip()
    return jinja_safe(value) if value else None


def choose_maturity(
    rules: Iterable[MaturityRule], *, certified: bool, path: str, view_count: int | None
) -> str:
    """The first rule whose every given condition holds; FALLBACK_MATURITY if none does."""
    for rule in rules:
        if rule.certified is not None and rule.certified != certified:
            continue
        if rule.folder is not None and not folder_matches(rule.folder, path):
            continue
        if rule.min_views is not None and (view_count or 0) < rule.min_views:
            continue
        return rule.maturity
    return FALLBACK_MATURITY


def describe(description: str | None, path: str) -> str:
    """Jinja-safe description: Looker's description, then the folder path."""
    parts = []
    text = (description or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if text:
        parts.append(text)
    if path:
        parts.append(FOLDER_LINE.format(path=path))
    # no trailing newline: Jinja drops one when it renders, which would change the text
    return jinja_safe("\n\n".join(parts))


def default_web_url(api_base_url: str) -> str:
    """Where people open dashboards: the API base URL without the API port or /api suffix."""
    parts = urlsplit(api_base_url.strip())
    netloc = parts.netloc.removesuffix(_API_PORT)
    path = re.sub(r"/api(/\d+(\.\d+)*)?/?$", "", parts.path).rstrip("/")
    return urlunsplit((parts.scheme, netloc, path, "", ""))


def build_entry(
    dashboard: Dashboard,
    depends_on: Iterable[str],
    folders: Mapping[str, Folder],
    users: Mapping[str, User],
    config: Config,
    web_url: str,
    *,
    name: str,
    outside_dbt: Iterable[str] = (),
) -> ExposureEntry:
    """The `type: dashboard` entry for one dashboard (`name` from naming.assign_names).

    `outside_dbt`: the relations it reads that no dbt node builds."""
    return _build(
        dashboard,
        _DASHBOARD,
        depends_on,
        folders,
        users,
        config,
        web_url,
        name=name,
        outside_dbt=outside_dbt,
        description=dashboard.description,
        certified=dashboard.certified,
        view_count=dashboard.view_count,
    )


def build_look_entry(
    look: Look,
    depends_on: Iterable[str],
    folders: Mapping[str, Folder],
    users: Mapping[str, User],
    config: Config,
    web_url: str,
    *,
    name: str,
    outside_dbt: Iterable[str] = (),
) -> ExposureEntry:
    """The `type: analysis` entry for a look on its own (when looks are configured)."""
    # looks have no description, certification or usage we read: only folder rules and the
    # folder line set them apart
    return _build(
        look,
        _LOOK,
        depends_on,
        folders,
        users,
        config,
        web_url,
        name=name,
        outside_dbt=outside_dbt,
        description=None,
        certified=False,
        view_count=None,
    )


@dataclass(frozen=True)
class _Kind:
    type: str  # the entry's `type`
    url_segment: str  # https://<looker>/<url_segment>/<id>
    id_key: str  # the meta key holding the Looker id


_DASHBOARD = _Kind("dashboard", "dashboards", DASHBOARD_ID_KEY)
_LOOK = _Kind("analysis", "looks", LOOK_ID_KEY)


def _build(
    item: Dashboard | Look,
    kind: _Kind,
    depends_on: Iterable[str],
    folders: Mapping[str, Folder],
    users: Mapping[str, User],
    config: Config,
    web_url: str,
    *,
    name: str,
    outside_dbt: Iterable[str],
    description: str | None,
    certified: bool,
    view_count: int | None,
) -> ExposureEntry:
    path = folder_path(item.folder_id, folders)
    return ExposureEntry(
        name=name,
        label=jinja_safe(item.title.strip()),
        type=kind.type,
        url=f"{web_url.rstrip('/')}/{kind.url_segment}/{item.id}",
        owner=choose_owner(item.user_id, users, config.default_owner),
        maturity=choose_maturity(
            config.maturity_rules, certified=certified, path=path, view_count=view_count
        ),
        description=describe(description, path),
        depends_on=tuple(sorted(set(depends_on))),
        tags=build_tags(config.tags),
        meta=_meta(kind.id_key, item.id, item.folder_id, path, outside_dbt),
    )


def build_tags(configured: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({BASE_TAG, *configured}))


def _meta(
    id_key: str, looker_id: str, folder_id: str | None, path: str, outside_dbt: Iterable[str]
) -> dict:
    # key order is fixed by write.py; values are strings so ids never turn into numbers
    # the folder always (PRODUCT.md: meta holds at least id and folder): '' when there is none
    meta: dict = {id_key: str(looker_id), FOLDER_KEY: jinja_safe(path)}
    if folder_id is not None:
        meta[FOLDER_ID_KEY] = str(folder_id)
    # what the dependency list cannot show, visible in dbt docs
    outside = sorted({jinja_safe(str(relation)) for relation in outside_dbt})
    if outside:
        meta[OUTSIDE_DBT_KEY] = outside
    meta["generated_by"] = GENERATED_BY
    return meta
