"""Sample answers for a demo system: enough for a dashboard worth looking at.

A seed file's ``sample_responses: N`` gives the system N answered survey records over the
12 months before today (and one and a half times as many invitations nobody answered), from
24 fictional accounts with three contacts and a year of ARR each, spread over the system's
touchpoints, divisions and segment, with comments and drivers. Scores improve a little over
the year, so the trend shows something. It happens once: a system that has sample records is
left alone, so re-applying the seed (as every ``serve --demo`` does) adds nothing.

The records are made the same way for the same system name (a seeded random generator);
only their link codes are random, as every link code must be.
"""

from __future__ import annotations

import json
import random
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal

from opengauge.server.domain import drivers as driver_rules
from opengauge.server.domain.hierarchy import Tree
from opengauge.server.domain.nps import category
from opengauge.server.domain.revenue import ARR, RevenueRow, expand
from opengauge.server.storage import Tx
from opengauge.server.storage.repositories import (
    accounts,
    contacts,
    drivers,
    hierarchy,
    reporting,
    revenue,
    samples,
    systems,
)
from opengauge.server.storage.repositories.accounts import AccountFields
from opengauge.server.storage.repositories.contacts import ContactFields
from opengauge.server.storage.repositories.samples import ORDER_PREFIX, SampleRecord

ACCOUNTS = (
    "Acme Corporation",
    "Globex",
    "Initech",
    "Umbrella Health",
    "Stark Logistics",
    "Wayne Foods",
    "Hooli",
    "Vandelay Import",
    "Soylent Farms",
    "Wonka Confectionery",
    "Tyrell Robotics",
    "Cyberdyne Systems",
    "Oscorp Labs",
    "Gringotts Finance",
    "Monarch Airlines",
    "Duff Breweries",
    "Pied Piper",
    "Aperture Science",
    "Nakatomi Trading",
    "Massive Dynamic",
    "Blue Sun",
    "Sterling Cooper",
    "Dunder Mifflin",
    "Prestige Worldwide",
)
FIRST_NAMES = ("Anna", "Ben", "Chloé", "Daan", "Eva", "Finn", "Grace", "Hugo", "Iris", "Jonas")
LAST_NAMES = ("de Vries", "Müller", "Martin", "García", "Silva", "Smith", "Jansen", "Rossi")
PRODUCTS = ("Analytics", "Platform", "Mobile")
COMMENTS = {
    "promoter": (
        "Support solved my problem within the hour.",
        "The new dashboard saves our team hours every week.",
        "Reliable product and people who listen.",
        "Onboarding was smooth and well organised.",
        "Great value for what we pay.",
    ),
    "passive": (
        "Does what it should, but the reports could be faster.",
        "Fine overall; the invoice process is confusing.",
        "Good product, support takes a while to answer.",
    ),
    "detractor": (
        "Our renewal price went up far too much.",
        "Two outages this month and no explanation.",
        "It took three weeks to get an answer from support.",
        "The migration broke our integration and nobody called back.",
    ),
}


def add_samples(tx: Tx, system_id: int, responses: int, today: date, now: str) -> int:
    """Give the system ``responses`` sample answers (once); how many records were added."""
    if responses <= 0 or samples.has_samples(tx, system_id):
        return 0
    rng = random.Random(f"{systems.system_name(tx, system_id)}:{responses}")
    people = _accounts_and_contacts(tx, system_id, rng, today, now)
    records = _records(tx, system_id, rng, people, responses, today)
    ids = samples.add(tx, system_id, records)
    _choose_drivers(tx, system_id, rng, records, ids)
    return len(ids)


def _accounts_and_contacts(
    tx: Tx, system_id: int, rng: random.Random, today: date, now: str
) -> list[tuple[int, list[int]]]:
    """The sample accounts with a year of ARR each, and three contacts of each."""
    start = (today.replace(day=1) - timedelta(days=330)).replace(day=1)
    end = date(start.year + 1, start.month, 1) - timedelta(days=1)
    found = []
    for n, name in enumerate(ACCOUNTS):
        account_id = accounts.upsert(
            tx, system_id, name, AccountFields(number=f"AC-{1001 + n}"), now
        )
        amount = Decimal(rng.randrange(12, 480) * 500)
        row = RevenueRow(name, amount, start, end, ARR, "Sample annual contract")
        line = revenue.NewLine(account_id, amount, start, end, ARR, row.description, expand(row))
        revenue.add_lines(tx, system_id, None, [line], now)
        domain = name.lower().replace(" ", "") + ".example.com"
        people = []
        for first, last in zip(rng.sample(FIRST_NAMES, 3), rng.sample(LAST_NAMES, 3), strict=True):
            fields = ContactFields(
                email=f"{first.lower()}@{domain}",
                first_name=first,
                last_name=last,
                account_id=account_id,
            )
            people.append(contacts.upsert(tx, system_id, fields, now))
        found.append((account_id, people))
    return found


def _records(
    tx: Tx,
    system_id: int,
    rng: random.Random,
    people: list[tuple[int, list[int]]],
    responses: int,
    today: date,
) -> list[SampleRecord]:
    touchpoints: list[int | None] = [*reporting.touchpoints(tx, system_id)] or [None]
    tree = Tree(hierarchy.divisions(tx, system_id))
    divisions: list[int | None] = [d.id for d in tree.breadth_first()] or [None]
    segment = next(iter(systems.segment_names(tx, system_id)), None)
    # Some accounts answer more than others, as in life.
    weights = [rng.uniform(0.3, 3) for _ in people]
    records = []
    invitations = responses * 5 // 2
    answered = set(rng.sample(range(invitations), min(responses, invitations)))
    first_day = today - timedelta(days=365)
    start = datetime.combine(first_day, datetime.min.time())
    # Answers end before today (today's are the user's own: the walkthrough's export), so
    # invitations go out until an hour before midnight and answers come before it.
    last_answer = datetime.combine(today, datetime.min.time()) - timedelta(seconds=1)
    span = int((last_answer - start).total_seconds()) - 3600
    for n in range(invitations):
        account_id, contact_ids = rng.choices(people, weights)[0]
        sent = start + timedelta(seconds=rng.randrange(span))
        nps = comment = response = None
        if n in answered:
            delay = timedelta(seconds=rng.randrange(600, 96 * 3600))
            response = _stamp(min(sent + delay, last_answer))
            nps = _score(rng, (sent.date() - first_day).days / 365)
            if rng.random() < 0.5:
                comment = rng.choice(COMMENTS[category(nps)])
        records.append(
            SampleRecord(
                contact_id=rng.choice(contact_ids),
                account_id=account_id,
                touchpoint_id=rng.choice(touchpoints),
                division_id=rng.choice(divisions),
                segments=json.dumps({segment: rng.choice(PRODUCTS)} if segment else {}),
                number_order=f"{ORDER_PREFIX}{n + 1:05d}",
                link_code=secrets.token_urlsafe(12),
                date_sent=_stamp(sent),
                nps=nps,
                comment=comment,
                date_response=response,
            )
        )
    records.sort(key=lambda r: r.date_sent)
    return records


def _score(rng: random.Random, progress: float) -> int:
    """A score; the share of promoters grows (and of detractors shrinks) over the year."""
    roll = rng.random()
    promoters = 0.38 + 0.17 * progress
    detractors = 0.30 - 0.12 * progress
    if roll < promoters:
        return rng.choice((9, 10, 10))
    if roll < 1 - detractors:
        return rng.choice((7, 8))
    return rng.choice((0, 2, 3, 4, 5, 6, 6))


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _choose_drivers(
    tx: Tx, system_id: int, rng: random.Random, records: list[SampleRecord], ids: list[int]
) -> None:
    """Most answers name a driver or two of the kind their score is shown."""
    choices = {kind: [d.id for d in drivers.listed(tx, system_id, kind)] for kind in ("pos", "neg")}
    for record, record_id in zip(records, ids, strict=True):
        if record.nps is None or rng.random() < 0.3:
            continue
        fitting = choices[driver_rules.fitting(record.nps)]
        if fitting:
            picked = rng.sample(fitting, min(len(fitting), rng.choice((1, 1, 2))))
            drivers.choose(tx, system_id, record_id, picked)
