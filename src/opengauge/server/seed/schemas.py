"""The seed file format (YAML or JSON) and its validation.

``load_seed`` reads and checks a file and raises :class:`SeedError` listing every problem
with the path of the offending entry (``systems[0].mappings[1].fields``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import msgspec
import yaml

from opengauge.server.domain import branding as b
from opengauge.server.domain import drivers as d
from opengauge.server.domain import mapping as m
from opengauge.server.domain import validation as v
from opengauge.server.domain.passwords import password_problem
from opengauge.server.storage.repositories.systems import GLOBAL_DIVISION


class SeedError(ValueError):
    """The seed cannot be used; ``problems`` lists each reason with its path."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source}: {len(problems)} problem(s):\n{listing}")


class _Spec(msgspec.Struct, forbid_unknown_fields=True):
    pass


class DivisionSpec(_Spec):
    division: str
    parent: str = GLOBAL_DIVISION


class DuplicationRuleSpec(_Spec):
    enabled: bool = False
    days: int = 0
    fields: list[str] = []


class AppSpec(_Spec):
    name: str
    client_id: str
    client_secret: str
    division: str = GLOBAL_DIVISION
    active: bool = True


class UserSpec(_Spec):
    """A console user (spec section 10); the password is hashed before it is stored."""

    email: str
    name: str
    password: str
    role: Literal["administrator", "viewer"] = "viewer"
    active: bool = True


class MappingSpec(_Spec):
    reference: str
    name: str
    data_type: str
    fields: dict[str, str]


class FilterSpec(_Spec):
    field: str
    op: Literal["is", "is_not"]
    values: list[str]


class CampaignSpec(_Spec):
    name: str
    active: bool = True
    filters: list[FilterSpec] = []
    duplication_days: int | None = None


class BounceSpec(_Spec):
    email: str
    type: str = "hard"
    reason: str | None = None


class DriverSpec(_Spec):
    """A driver ("reason"); a level 2 one names its level 1 driver's label in category_main."""

    label: str
    good_bad: str
    level: int = 1
    category_main: str = ""
    position: int = 0
    #: Generated (the next free number) when absent.
    reason_code: str | None = None

    def draft(self) -> d.Draft:
        return d.Draft(self.good_bad, self.level, self.category_main, self.position, self.label)


class TouchpointSpec(_Spec):
    """A touchpoint with its survey question (null: the standard one; absent: unchanged)."""

    name: str
    question: str | msgspec.UnsetType | None = msgspec.UNSET


class SystemSpec(_Spec):
    name: str
    region: Literal["eu", "us", "au"] = "eu"
    api_key: str | None = None
    #: What the survey pages show; absent leaves the stored value, null clears it.
    display_name: str | msgspec.UnsetType | None = msgspec.UNSET
    brand_colour: str | msgspec.UnsetType | None = msgspec.UNSET
    privacy_url: str | msgspec.UnsetType | None = msgspec.UNSET
    divisions: list[DivisionSpec] = []
    #: Names, or ``{name, question}``.
    touchpoints: list[str | TouchpointSpec] = []
    segments: list[str] = []
    duplication_rule: DuplicationRuleSpec = msgspec.field(default_factory=DuplicationRuleSpec)
    connected_apps: list[AppSpec] = []
    users: list[UserSpec] = []
    mappings: list[MappingSpec] = []
    campaigns: list[CampaignSpec] = []
    #: Bounced addresses (the real service learns them from mail delivery).
    bounces: list[BounceSpec] = []
    drivers: list[DriverSpec] = []
    #: Sample answers for a demo (seed/samples.py), added once: to a system without any.
    sample_responses: int = 0


class Seed(_Spec):
    systems: list[SystemSpec] = []


class _SeedLoader(yaml.SafeLoader):
    """YAML without aliases: ``*name`` lets a few hundred bytes expand into gigabytes."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            message = "seed files cannot use YAML aliases (*name)"
            raise yaml.composer.ComposerError(None, None, message, mark)
        return super().compose_node(parent, index)


#: Sample answers a seed may ask for (each comes with more invitations).
MAX_SAMPLES = 5_000
#: Duplication intervals: up to a hundred years.
MAX_DAYS = 36_500
DAYS_RANGE = f"must be between 0 and {MAX_DAYS} days"


def load_seed(path: str | Path) -> Seed:
    """Read and validate a seed file."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SeedError(source, [f"cannot read the file: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError:
        raise SeedError(source, ["the file is not UTF-8 text"]) from None
    return parse_seed(text, source)


def parse_seed(text: str, source: str = "<seed>") -> Seed:
    try:
        data = yaml.load(text, Loader=_SeedLoader)  # noqa: S506 - a SafeLoader; JSON is YAML too
    except yaml.YAMLError as exc:
        raise SeedError(source, [f"not valid YAML or JSON: {exc}"]) from None
    except (ValueError, OverflowError) as exc:  # e.g. an impossible date: 2024-13-45
        raise SeedError(source, [f"not valid YAML or JSON: {exc}"]) from None
    return validate_seed(data if data is not None else {}, source)


def validate_seed(data: Any, source: str = "<seed>") -> Seed:
    """Check a parsed seed document; :class:`SeedError` lists every problem with its path."""
    unpaired: list[str] = []
    data = _joined_surrogates(data, "", unpaired)
    if unpaired:
        raise SeedError(source, unpaired)
    try:
        seed = msgspec.convert(_numbers_as_text(data), Seed, strict=True)
    except msgspec.ValidationError as exc:
        raise SeedError(source, [_path_message(str(exc))]) from None
    problems = _check(seed)
    if problems:
        raise SeedError(source, problems)
    return seed


_SURROGATE = re.compile("[\ud800-\udfff]")


def _joined_surrogates(data: Any, path: str, problems: list[str]) -> Any:
    """``data`` with every escaped UTF-16 surrogate pair joined into its character.

    YAML reads ``"\\ud83d\\ude00"`` (what ``json.dumps`` writes for 😀) as two surrogates,
    which cannot be encoded to store; a lone one is not a character at all, so it is a problem
    at its path, and validating and applying agree.
    """
    if isinstance(data, str):
        return _checked(_pairs_joined(data), path, problems)
    if isinstance(data, list):
        return [_joined_surrogates(item, f"{path}[{i}]", problems) for i, item in enumerate(data)]
    if isinstance(data, dict):
        joined: dict[Any, Any] = {}
        for key, value in data.items():
            where = path
            if isinstance(key, str):
                key = _pairs_joined(key)
                shown = key.encode("utf-8", "backslashreplace").decode()
                where = f"{path}.{shown}" if path else shown
                _checked(key, where, problems)
            joined[key] = _joined_surrogates(value, where, problems)
        return joined
    return data


def _pairs_joined(text: str) -> str:
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _checked(text: str, path: str, problems: list[str]) -> str:
    lone = _SURROGATE.search(text)
    if lone:
        problems.append(
            f"{path}: a lone UTF-16 surrogate (\\u{ord(lone[0]):04x}) is not a character"
        )
    return text


#: Fields that are text even when YAML reads them as numbers (``touchpoints: [2024]``).
_TEXT_KEYS = frozenset(
    {
        "name",
        "api_key",
        "division",
        "parent",
        "client_id",
        "client_secret",
        "reference",
        "data_type",
        "field",
        "touchpoints",
        "display_name",
        "privacy_url",
        "brand_colour",
        "question",
        "segments",
        "email",
        "password",
        "reason",
        "values",
        "fields",
        "label",
        "category_main",
        "reason_code",
    }
)


def _numbers_as_text(data: Any, key: str = "") -> Any:
    if isinstance(data, dict):
        if key == "fields":  # heading -> target: both sides are text
            return {_text(k): _text(v) for k, v in data.items()}
        return {k: _numbers_as_text(v, k if isinstance(k, str) else "") for k, v in data.items()}
    if isinstance(data, list):
        return [_numbers_as_text(item, key) for item in data]
    return _text(data) if key in _TEXT_KEYS else data


def _text(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _path_message(message: str) -> str:
    # msgspec says "Expected `str`, got `int` - at `$.systems[0].name`"; lead with the path.
    if " - at `$" in message:
        text, _, path = message.rpartition(" - at `$")
        return f"{path.rstrip('`').lstrip('.') or '(top level)'}: {text}"
    return message


def _check(seed: Seed) -> list[str]:
    problems: list[str] = []
    names: set[str] = set()
    client_ids: dict[str, str] = {}
    api_keys: dict[str, str] = {}
    for i, system in enumerate(seed.systems):
        at = f"systems[{i}]"
        if not system.name.strip():
            problems.append(f"{at}.name: must not be empty")
        if "/" in system.name:
            problems.append(f"{at}.name: a system name cannot contain '/'")
        if system.name in names:
            problems.append(f"{at}.name: system {system.name!r} is declared twice")
        names.add(system.name)
        if system.api_key is not None:
            if not system.api_key:
                problems.append(f"{at}.api_key: must not be empty")
            elif system.api_key in api_keys:
                owner = api_keys[system.api_key]
                problems.append(f"{at}.api_key: the same key is already used by {owner}")
            api_keys[system.api_key] = at
        problems.extend(_too_long(system, at))
        problems.extend(_branding_problems(system, at))
        if not 0 <= system.sample_responses <= MAX_SAMPLES:
            problems.append(f"{at}.sample_responses: must be between 0 and {MAX_SAMPLES}")
        divisions = {GLOBAL_DIVISION}
        for j, division in enumerate(system.divisions):
            if division.division == GLOBAL_DIVISION:
                problems.append(f"{at}.divisions[{j}]: Global always exists; don't declare it")
            divisions.add(division.division)
        for j, division in enumerate(system.divisions):
            if division.parent not in divisions:
                problems.append(f"{at}.divisions[{j}].parent: unknown division {division.parent!r}")
        problems.extend(_division_loops(system, at))
        rule = system.duplication_rule
        if not 0 <= rule.days <= MAX_DAYS:
            problems.append(f"{at}.duplication_rule.days: {DAYS_RANGE}")
        if len(rule.fields) > 3:
            problems.append(f"{at}.duplication_rule.fields: at most three fields")
        for field in rule.fields:
            if not _is_survey_field(field, system.segments):
                problems.append(f"{at}.duplication_rule.fields: unknown target field {field!r}")
        for j, app in enumerate(system.connected_apps):
            where = f"{at}.connected_apps[{j}]"
            if app.client_id in client_ids:
                owner = client_ids[app.client_id]
                problems.append(f"{where}.client_id: {app.client_id!r} is already used by {owner}")
            client_ids[app.client_id] = where
            if not app.client_secret:
                problems.append(f"{where}.client_secret: must not be empty")
            if app.division not in divisions:
                problems.append(f"{where}.division: unknown division {app.division!r}")
        problems.extend(_user_problems(system, at))
        problems.extend(_driver_problems(system, at))
        references: set[str] = set()
        for j, mapping in enumerate(system.mappings):
            where = f"{at}.mappings[{j}]"
            if not mapping.reference or len(mapping.reference) > 64:
                problems.append(f"{where}.reference: must be 1 to 64 characters")
            if mapping.reference in references:
                problems.append(f"{where}.reference: {mapping.reference!r} is declared twice")
            references.add(mapping.reference)
            for problem in m.mapping_problems(
                mapping.data_type, list(mapping.fields.items()), system.segments
            ):
                problems.append(f"{where}: {problem}")
        for j, bounce in enumerate(system.bounces):
            if v.email()("email", bounce.email, v.Errors()) is None:
                problems.append(f"{at}.bounces[{j}].email: not an e-mail address")
        for j, campaign in enumerate(system.campaigns):
            where = f"{at}.campaigns[{j}]"
            days = campaign.duplication_days
            if days is not None and not 0 <= days <= MAX_DAYS:
                problems.append(f"{where}.duplication_days: {DAYS_RANGE}")
            for k, flt in enumerate(campaign.filters):
                if not _is_survey_field(flt.field, system.segments):
                    problems.append(f"{where}.filters[{k}].field: unknown target {flt.field!r}")
    return problems


def _user_problems(system: SystemSpec, at: str) -> list[str]:
    problems: list[str] = []
    emails: dict[str, str] = {}
    for j, user in enumerate(system.users):
        where = f"{at}.users[{j}]"
        # The pattern's ``$`` lets a final line break through; stored, it would never match.
        valid = user.email == user.email.strip()
        if not valid or v.email()("email", user.email, v.Errors()) is None:
            problems.append(f"{where}.email: not an e-mail address")
        key = user.email.lower()
        if key in emails:
            problems.append(f"{where}.email: {user.email!r} is already used by {emails[key]}")
        emails[key] = where
        if not user.name.strip():
            problems.append(f"{where}.name: must not be empty")
        if (problem := password_problem(user.password)) is not None:
            problems.append(f"{where}.password: {problem}")
    return problems


def _driver_problems(system: SystemSpec, at: str) -> list[str]:
    """The 4.1 module's driver rules, within the file: codes and labels are not declared twice,
    and a level 2 entry sits under a level 1 entry of the same file."""
    problems: list[str] = []
    codes: dict[str, str] = {}
    keys: dict[tuple[str, int, str, str], str] = {}
    checked: list[tuple[str, d.Draft]] = []
    for j, driver in enumerate(system.drivers):
        where = f"{at}.drivers[{j}]"
        try:
            draft = d.check(driver.draft())
            code = None if driver.reason_code is None else d.read_code(driver.reason_code)
        except d.Refused as refused:
            problems.append(f"{where}.{refused.field}: {refused.detail}")
            continue
        if code is not None:
            if code in codes:
                problems.append(f"{where}.reason_code: {code!r} is already used by {codes[code]}")
            codes[code] = where
        taken = keys.get(d.key(draft))
        if taken is not None:
            problems.append(f"{where}.label: {draft.label!r} is already declared by {taken}")
        keys[d.key(draft)] = where
        checked.append((where, draft))
    drafts = [draft for _, draft in checked]
    for where, draft in checked:
        if draft.level == 2 and d.parent_of(draft, drafts) is None:
            problems.append(
                f"{where}.category_main: no level 1 driver in this file shown for"
                f" {d.show_for(draft.good_bad)} is labelled {draft.category_main!r}"
            )
    return problems


def touchpoint_name(touchpoint: str | TouchpointSpec) -> str:
    return touchpoint if isinstance(touchpoint, str) else touchpoint.name


def _branding_problems(system: SystemSpec, at: str) -> list[str]:
    """The survey branding: a display name and questions as any text on one line, a
    ``#rrggbb`` colour, an http(s) privacy link (blank: the default)."""
    checks: list[tuple[str, object, Callable[[str], str | None]]] = [
        (f"{at}.display_name", system.display_name, b.display_name_problem),
        (f"{at}.brand_colour", system.brand_colour, b.colour_problem),
        (f"{at}.privacy_url", system.privacy_url, b.privacy_url_problem),
    ]
    checks += [
        (f"{at}.touchpoints[{j}].question", t.question, b.question_problem)
        for j, t in enumerate(system.touchpoints)
        if isinstance(t, TouchpointSpec)
    ]
    problems = []
    for path, value, problem_of in checks:
        text = b.cleaned(value) if isinstance(value, str) else None
        if text is not None and (problem := problem_of(text)) is not None:
            problems.append(f"{path}: {problem}")
    return problems


def _too_long(system: SystemSpec, at: str) -> list[str]:
    """Names longer than their columns, or holding control characters."""
    named: list[tuple[str, str, int]] = [(f"{at}.name", system.name, 128)]
    named += [
        (f"{at}.divisions[{j}].division", d.division, 128) for j, d in enumerate(system.divisions)
    ]
    named += [
        (f"{at}.touchpoints[{j}]", touchpoint_name(t), 128)
        for j, t in enumerate(system.touchpoints)
    ]
    named += [(f"{at}.segments[{j}]", s, 128) for j, s in enumerate(system.segments)]
    for j, app in enumerate(system.connected_apps):
        named += [
            (f"{at}.connected_apps[{j}].name", app.name, 128),
            (f"{at}.connected_apps[{j}].client_id", app.client_id, 128),
        ]
    named += [(f"{at}.users[{j}].name", u.name, 128) for j, u in enumerate(system.users)]
    named += [(f"{at}.mappings[{j}].name", mp.name, 128) for j, mp in enumerate(system.mappings)]
    named += [(f"{at}.campaigns[{j}].name", c.name, 128) for j, c in enumerate(system.campaigns)]
    for j, bounce in enumerate(system.bounces):
        named.append((f"{at}.bounces[{j}].type", bounce.type, 32))
        if bounce.reason is not None:
            named.append((f"{at}.bounces[{j}].reason", bounce.reason, 255))
    problems = [
        f"{path}: at most {limit} characters" for path, text, limit in named if len(text) > limit
    ]
    # Names end up in e-mail headers and pages; control characters have no place there (and
    # PostgreSQL refuses NUL). References are checked for length on their own.
    named += [
        (f"{at}.mappings[{j}].reference", mp.reference, 64) for j, mp in enumerate(system.mappings)
    ]
    problems += [
        f"{path}: no line breaks or control characters"
        for path, text, _ in named
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in text)
    ]
    return problems


def _is_survey_field(target: str, segments: list[str]) -> bool:
    if target.startswith(m.SEGMENT_PREFIX):
        return target[len(m.SEGMENT_PREFIX) :] in segments
    return target in m.ACCOUNT_TARGETS + m.CONTACT_TARGETS + m.SURVEY_TARGETS


def _division_loops(system: SystemSpec, at: str) -> list[str]:
    parents = {d.division: d.parent for d in system.divisions}
    problems = []
    for name in parents:
        seen = {name}
        current = parents.get(name)
        while current is not None and current != GLOBAL_DIVISION:
            if current in seen:
                problems.append(f"{at}.divisions: {name!r} is its own ancestor")
                break
            seen.add(current)
            current = parents.get(current)
    return problems
