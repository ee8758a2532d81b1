"""Exposure names: valid dbt identifiers, unique in the project, stable from run to run.

Stability comes first, because downstream code refers to exposures by name:
- a dashboard that already has an entry in the generated file keeps that entry's name, even
  after it is renamed in Looker (the rename shows up as a changed `label`);
- a name never depends on which other dashboards exist: clashes are settled with suffixes
  derived from the dashboard's own id, not with counters that shift when others come and go.
"""

from __future__ import annotations

import hashlib
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from anyascii import anyascii

from exposure_sync.errors import BadInputError
from exposure_sync.exposures.entry import ExposureEntry
from exposure_sync.exposures.keys import Key, dashboard_key, entry_key, look_key
from exposure_sync.exposures.write import as_entry
from exposure_sync.looker.models import Dashboard, Folder, Look

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
TEMPLATE_FIELDS = ("title", "id", "folder", "model")
DEFAULT_TEMPLATE = "{title}_{id}"
# Long titles would make unwieldy names; the id part of the template still keeps them apart.
_MAX_FIELD_LENGTH = 60
# Letters NFKD does not decompose into ASCII.
_TRANSLITERATE = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ł": "l",
        "Ł": "L",
        "þ": "th",
        "Þ": "TH",
        "ð": "d",
        "Ð": "D",
        "ı": "i",
    }
)
# Chinese characters (also Japanese kanji), written without spaces between words: anyascii
# spells each as a syllable ("销售" -> "XiaoShou"), which becomes a word of the name. Korean
# separates its words with spaces already: its syllables stay together ("hangugeo").
_SYLLABLES = ("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH")
_APOSTROPHES = re.compile(r"['’`]")
_NON_WORD = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class NameSource:
    """What a name may be made of, for one dashboard or look."""

    key: Key
    title: str
    id: str
    folder: str = ""  # the folder's own name, not its path
    model: str = ""  # LookML model: of a LookML dashboard's id, or of a look's query

    @property
    def kind(self) -> str:
        return self.key[0]


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by `_`: "Über Straße 🚀" -> "uber_strasse",
    "Продажи" -> "prodazhi", "销售" -> "xiao_shou"."""
    text = "".join(map(_ascii, text.translate(_TRANSLITERATE))).lower()
    text = _APOSTROPHES.sub("", text)  # "Devil's Ivy" -> "devils_ivy", not "devil_s_ivy"
    return _NON_WORD.sub("_", text).strip("_")


def _ascii(char: str) -> str:
    """One character in ASCII: accents dropped (é -> e, as NFKD gives it), letters and digits
    of other scripts transliterated (anyascii), anything else (emoji, symbols) dropped."""
    if char.isascii():
        return char
    plain = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode("ascii")
    if plain or unicodedata.category(char)[0] not in "LN":
        return plain
    latin = anyascii(char)
    if unicodedata.name(char, "").startswith(_SYLLABLES):
        return f" {latin} "
    return latin


def validate_template(template: str) -> None:
    """Raise BadInputError naming `name_template` unless it only uses the known fields."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as err:
        raise BadInputError(f"name_template '{template}' is not a valid template: {err}") from None
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        known = ", ".join("{" + name + "}" for name in TEMPLATE_FIELDS)
        if field not in TEMPLATE_FIELDS:
            raise BadInputError(
                f"name_template '{template}': unknown field '{{{field}}}'; use only {known}"
            )
        if spec or conversion:
            # values are slugs: padding or truncating them would only add underscores
            written = (
                f"{{{field}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}"
            )
            raise BadInputError(
                f"name_template '{template}': '{written}' has a format spec or conversion, "
                f"which names do not support; write plain fields such as {{{field}}}"
            )


def dashboard_source(dashboard: Dashboard, folders: Mapping[str, Folder]) -> NameSource:
    model = dashboard.id.split("::", 1)[0] if dashboard.is_lookml else ""
    return NameSource(
        key=dashboard_key(dashboard.id),
        title=dashboard.title,
        id=dashboard.id,
        folder=_folder_name(dashboard.folder_id, folders),
        model=model,
    )


def look_source(look: Look, folders: Mapping[str, Folder]) -> NameSource:
    return NameSource(
        key=look_key(look.id),
        title=look.title,
        id=look.id,
        folder=_folder_name(look.folder_id, folders),
        model=look.query.model if look.query else "",
    )


def base_name(source: NameSource, template: str = DEFAULT_TEMPLATE) -> str:
    """The name the template gives, before clashes are settled."""
    values = {
        field: slugify(getattr(source, field))[:_MAX_FIELD_LENGTH].strip("_")
        for field in TEMPLATE_FIELDS
    }
    lookml_id = _lookml_id_without_title(source, template)
    if lookml_id is not None:
        values["id"] = lookml_id
    # slugify again: it also cleans the template's own text and joins around empty fields
    name = slugify(template.format(**values))
    if not name or not name[0].isalpha():
        name = f"{source.kind}_{name}".rstrip("_")
    return name


def _lookml_id_without_title(source: NameSource, template: str) -> str | None:
    """A LookML dashboard's id (model::name) without the title its name starts with, for a
    template that shows both: "Funnel overview" (greenery::funnel_overview) is
    funnel_overview_greenery, not funnel_overview_greenery_funnel_overview. The model (unless
    the template has it) and the rest of the name keep it apart from other dashboards."""
    if source.kind != "dashboard" or "::" not in source.id or "{title}" not in template:
        return None
    model, dashboard = (slugify(part) for part in source.id.split("::", 1))
    title = slugify(source.title)
    if not title or not (dashboard == title or dashboard.startswith(f"{title}_")):
        return None
    rest = dashboard[len(title) :].strip("_")
    kept = [rest] if "{model}" in template else [model, rest]
    return "_".join(part for part in kept if part)[:_MAX_FIELD_LENGTH].strip("_")


def previous_names(entries: Iterable[ExposureEntry | Mapping[str, Any]]) -> dict[Key, str]:
    """Key -> name of the entries in the existing generated file."""
    names: dict[Key, str] = {}
    for entry in map(as_entry, entries):
        key = entry_key(entry)
        if key is not None:
            names.setdefault(key, entry.name)
    return names


def assign_names(
    sources: Iterable[NameSource],
    template: str = DEFAULT_TEMPLATE,
    previous: Mapping[Key, str] | None = None,
    reserved: Iterable[str] = (),
) -> dict[Key, str]:
    """Give every source a unique valid name.

    `previous`: key -> name from the existing generated file. `reserved`: names that are not
    ours (hand-written exposures).
    """
    validate_template(template)
    previous = previous or {}
    ordered = sorted({source.key: source for source in sources}.values(), key=lambda s: s.key)
    current = {source.key for source in ordered}
    taken = set(reserved)
    # Entries kept from the previous file (failed or gone dashboards) hold their names this run.
    taken.update(name for key, name in previous.items() if key not in current)
    names: dict[Key, str] = {}
    _claim_previous(ordered, previous, taken, names)
    pending = [source for source in ordered if source.key not in names]
    _claim_new(pending, template, taken, names)
    return names


def _claim_previous(
    ordered: Sequence[NameSource], previous: Mapping[Key, str], taken: set[str], names: dict
) -> None:
    for source in ordered:
        name = previous.get(source.key)
        # a hand-written exposure may have taken the name since; it wins
        if name and NAME_PATTERN.match(name) and name not in taken:
            names[source.key] = name
            taken.add(name)


def _claim_new(pending: Sequence[NameSource], template: str, taken: set[str], names: dict) -> None:
    bases = {source.key: base_name(source, template) for source in pending}
    counts = Counter(bases.values())
    # Bases nobody else wants first, so a suffixed name never steals another's plain one.
    clean = [s for s in pending if counts[bases[s.key]] == 1 and bases[s.key] not in taken]
    for source in clean:
        names[source.key] = bases[source.key]
        taken.add(bases[source.key])
    for source in pending:
        if source.key in names:
            continue
        name = next(c for c in _suffixed(bases[source.key], source) if c not in taken)
        names[source.key] = name
        taken.add(name)


def _suffixed(base: str, source: NameSource) -> Iterable[str]:
    """Candidates for a clashing name, each derived from the source alone."""
    id_slug = slugify(source.id)
    if id_slug and not base.endswith(f"_{id_slug}") and base != id_slug:
        yield f"{base}_{id_slug}"
    digest = hashlib.sha1(f"{source.kind}:{source.id}".encode()).hexdigest()
    for length in (6, 10, 40):
        yield f"{base}_{digest[:length]}"
    counter = 2
    while True:  # only reachable when hand-written names mimic our hashes
        yield f"{base}_{digest}_{counter}"
        counter += 1


def _folder_name(folder_id: str | None, folders: Mapping[str, Folder]) -> str:
    folder = folders.get(folder_id) if folder_id is not None else None
    return folder.name if folder else ""
