"""Realistic data, fast: 500 prisoners with addresses, volunteers, and N letters in the states a
working year leaves them in, each with its history, written with PostgreSQL COPY."""

from __future__ import annotations

import random
import time
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from core import crypto
from letters import tokens
from letters.models import Letter, LetterEvent, VolunteerProfile
from prisoners.models import PrisonAddress, Prisoner

S = Letter.Status
# Share of letters per state after a year of work: most have reached their end.
STATE_WEIGHTS = {
    S.POSTED: 52,
    S.RETURNED: 14,
    S.CANCELLED: 6,
    S.REJECTED: 2,
    S.RECEIVED: 10,
    S.IN_TRANSLATION: 0.05,  # a few hundred held at once by the volunteers
    S.TRANSLATED: 4,
    S.APPROVED: 5,
    S.ON_HOLD: 2,
}
# The path each state's letters took (the events written for it).
PATHS = {
    S.RECEIVED: [S.RECEIVED],
    S.IN_TRANSLATION: [S.RECEIVED, S.IN_TRANSLATION],
    S.TRANSLATED: [S.RECEIVED, S.IN_TRANSLATION, S.TRANSLATED],
    S.APPROVED: [S.RECEIVED, S.IN_TRANSLATION, S.TRANSLATED, S.APPROVED],
    S.ON_HOLD: [S.RECEIVED, S.IN_TRANSLATION, S.TRANSLATED, S.APPROVED, S.ON_HOLD],
    S.POSTED: [S.RECEIVED, S.IN_TRANSLATION, S.TRANSLATED, S.APPROVED, S.POSTED],
    S.RETURNED: [S.RECEIVED, S.IN_TRANSLATION, S.TRANSLATED, S.APPROVED, S.RETURNED],
    S.CANCELLED: [S.RECEIVED, S.CANCELLED],
    S.REJECTED: [S.RECEIVED, S.IN_TRANSLATION, S.REJECTED],
}
ACTIONS = {
    S.RECEIVED: "submit",
    S.IN_TRANSLATION: "claim",
    S.TRANSLATED: "hand_in",
    S.APPROVED: "approve",
    S.ON_HOLD: "hold",
    S.POSTED: "post",
    S.RETURNED: "return",
    S.CANCELLED: "cancel",
    S.REJECTED: "reject",
}
LANGUAGES = ["en"] * 6 + ["de", "fr", "es", "it", "nl", "pl"]
TEXT = (
    "Dear friend, the first snow fell today and the children built a snowman in the park. "
    "I am reading a book about old gardens and thinking of you. You are not forgotten. "
) * 6
TRANSLATION = "Дорогой друг! Сегодня выпал первый снег. Вас не забыли. " * 6
BENCH_PASSWORD = "bench-password-not-secret"  # noqa: S105 - benchmark database only


def reset() -> None:
    """Empty the tables the benchmark fills (the schema stays)."""
    tables = [
        "letters_notification",
        "letters_letterevent",
        "letters_letter",
        "prisoners_prisonaddress",
        "prisoners_prisoner",
        "bench_probe",  # benchmarks.views.one_insert's rows
    ]
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        present = [t for t in tables if t in existing]
        cursor.execute(f"TRUNCATE {', '.join(present)} RESTART IDENTITY CASCADE")  # noqa: S608


def ensure_people(prisoners: int = 500, volunteers: int = 50) -> tuple[list[int], list]:
    User = get_user_model()
    if Prisoner.objects.count() < prisoners:
        today = timezone.localdate()
        with transaction.atomic():
            created = Prisoner.objects.bulk_create(
                Prisoner(
                    slug=f"bench-prisoner-{i}",
                    name_en=f"Bench Prisoner {i}",
                    name_ru=f"Заключённый {i}",
                    # A full «Кому» line: with a part missing, letters wait on hold.
                    name_ru_dative=f"Заключённому {i} Ивановичу",
                    birth_year=1950 + i % 50,
                    case_summary="Imprisoned for a peaceful protest.",
                    is_demo=True,
                )
                for i in range(prisoners)
            )
            PrisonAddress.objects.bulk_create(
                PrisonAddress(
                    prisoner=p,
                    facility="ФКУ ИК-0 (бенчмарк)",
                    street="ул. Примерная, д. 1",
                    city="г. Демо",
                    region="Демо-область",
                    postal_index=f"{100000 + p.pk:06d}"[:6],
                    valid_from=today - timedelta(days=400),
                    is_demo=True,
                )
                for p in created
            )
    group = Group.objects.get(name="Volunteers")
    password = make_password(BENCH_PASSWORD)  # hashed once: PBKDF2 is slow on purpose
    people = []
    for i in range(volunteers):
        user, made = User.objects.get_or_create(
            username=f"bench-volunteer-{i}", defaults={"is_staff": True}
        )
        if made:
            user.password = password
            user.save(update_fields=["password"])
            user.groups.add(group)
        VolunteerProfile.objects.update_or_create(
            user=user,
            defaults={"languages": ["en", "de", "fr", "es", "it", "nl", "pl"], "claim_limit": 50},
        )
        people.append(user)
    coordinator, made = User.objects.get_or_create(
        username="bench-coordinator", defaults={"is_staff": True, "password": password}
    )
    if made:
        coordinator.groups.add(Group.objects.get(name="Coordinators"))
    return list(Prisoner.objects.values_list("pk", flat=True)), people


def _copy(model, rows, fields: list[str]) -> None:
    columns = [model._meta.get_field(f).column for f in fields]
    table = model._meta.db_table
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"  # noqa: S608 - our own names
    with connection.cursor() as cursor:
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)


def _letter_fields() -> list[str]:
    return [f.name for f in Letter._meta.concrete_fields if not f.primary_key]


def add_letters(count: int, *, seed: int = 7) -> float:
    """Append ``count`` letters (and their events); returns the seconds it took."""
    started = time.perf_counter()
    rng = random.Random(seed + Letter.objects.count())
    prisoner_ids, volunteers = ensure_people()
    # Letters in translation are held by the volunteers after the first 20, who are the ones
    # racing on "claim next" and must start with empty hands.
    volunteer_ids = [v.pk for v in volunteers[20:]]
    states = list(STATE_WEIGHTS)
    weights = list(STATE_WEIGHTS.values())
    now = timezone.now()
    fields = _letter_fields()
    first_pk = (Letter.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    defaults = {f.name: f.get_default() for f in Letter._meta.concrete_fields if not f.primary_key}
    plan = []  # (status, created_at) per letter, for the events
    # COPY writes what is stored: ciphertext. Encrypting each row would measure Fernet, not
    # the app, so every letter shares one ciphertext per value (each still decrypts).
    sealed = {
        "name": crypto.encrypt("Bench Supporter"),
        "email": crypto.encrypt("bench@example.org"),
        "text": crypto.encrypt(TEXT),
        "translation": crypto.encrypt(TRANSLATION),
    }
    email_hash = crypto.lookup_hash("bench@example.org")

    def letter_rows():
        for n in range(count):
            status = rng.choices(states, weights)[0]
            age = timedelta(minutes=rng.randint(1, 365 * 24 * 60))
            created = (
                now - age
                if status in (S.POSTED, S.RETURNED, S.CANCELLED, S.REJECTED)
                else now - age / 20
            )
            plan.append((status, created))
            delivery = (
                "return_to_me" if status == S.RETURNED or rng.random() < 0.2 else "post_for_me"
            )
            if status == S.POSTED:
                delivery = "post_for_me"
            salt = f"{rng.getrandbits(128):032x}"
            row = dict(defaults)
            row.update(
                reference=f"LB-B{first_pk + n:07d}",
                prisoner=rng.choice(prisoner_ids),
                supporter_name=sealed["name"],
                supporter_email=sealed["email"],
                supporter_email_hash=email_hash,
                original_length=len(TEXT),
                supporter_country="GB",
                locale="en",
                language=rng.choice(LANGUAGES),
                original_text=sealed["text"],
                translation=(
                    "" if status in (S.RECEIVED, S.IN_TRANSLATION) else sealed["translation"]
                ),
                delivery=delivery,
                status=status,
                postage=(
                    "not_needed"
                    if delivery == "return_to_me"
                    else ("paid" if status in (S.POSTED, S.APPROVED) else "due")
                ),
                postage_currency="" if delivery == "return_to_me" else "GBP",
                tracking_salt=salt,
                tracking_token_hash=tokens.token_hash(tokens.token_for(salt=salt)),
                created_at=created,
                updated_at=created,
                status_changed_at=created,
            )
            if status == S.IN_TRANSLATION:
                row.update(
                    claimed_by=rng.choice(volunteer_ids),
                    claimed_at=created,
                    claim_expires_at=created + timedelta(days=7),
                )
            else:
                row.update(claimed_by=None, claimed_at=None, claim_expires_at=None)
            yield [row[f] for f in fields]

    with transaction.atomic():
        _copy(Letter, letter_rows(), fields)

        def event_rows():
            for offset, (status, created) in enumerate(plan):
                pk = first_pk + offset
                previous = ""
                for step, state in enumerate(PATHS[status]):
                    at = created + timedelta(hours=step)
                    yield [pk, "transition", previous, state, ACTIONS[state], None, "", at]
                    previous = state

        _copy(
            LetterEvent,
            event_rows(),
            ["letter", "kind", "from_status", "to_status", "action", "actor", "note", "created_at"],
        )
    return time.perf_counter() - started


def grow_to(size: int) -> float:
    """Bring the letters table to ``size`` rows; returns the seconds spent."""
    missing = size - Letter.objects.count()
    spent = 0.0
    while missing > 0:
        batch = min(missing, 250_000)
        spent += add_letters(batch)
        missing -= batch
    # A database in service has been vacuumed and analysed; measure that, not autovacuum
    # catching up with a fresh bulk load in the middle of a page's measurement.
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE letters_letter, letters_letterevent")
    return spent + (time.perf_counter() - started)
