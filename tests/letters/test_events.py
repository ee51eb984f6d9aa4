"""Every code a letter's history can be written with has words for staff and supporters, in
English and in Russian; a code nobody gave words to still reads, never fails."""

import ast
import importlib
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from letters.events import (
    _FIXED_NOTES,
    ACTION_LABELS,
    Recorded,
    action_label,
    email_action,
    postage_action,
)
from letters.lifecycle import Action
from letters.models import Letter, LetterEvent, Notification
from letters.services.notifications import notification_send
from letters.services.submission import letter_cancel
from tests.factories import LetterFactory

BASE = Path(settings.BASE_DIR)
_NOT_OURS = {".venv", "tests", "benchmarks", "migrations", "var"}


def _codes_by_definition() -> set[str]:
    """The codes the definitions allow: the lifecycle's actions, the recorded facts, and each
    member of the two families (letter_set_postage refuses "not needed")."""
    postage = [value for value in Letter.Postage.values if value != Letter.Postage.NOT_NEEDED]
    return (
        set(Action)
        | set(Recorded)
        | {postage_action(value) for value in postage}
        | {email_action(kind) for kind in Notification.Kind.values}
    )


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(BASE).with_suffix("").parts)


def _codes_written_in_source() -> tuple[set[str], list[str]]:
    """Every ``action=`` our code passes in a module that writes letter history (the letters
    app, and any module naming LetterEvent): (the codes it resolves to, the places whose code
    cannot be told before it runs). A variable passed on (``action=action``) is the caller's
    code, found at the caller."""
    codes: set[str] = set()
    unknowable: list[str] = []
    for path in sorted(BASE.rglob("*.py")):
        relative = path.relative_to(BASE)
        if _NOT_OURS & set(relative.parts):
            continue
        text = path.read_text(encoding="utf-8")
        if relative.parts[0] != "letters" and "LetterEvent" not in text:
            continue
        module = None
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.keyword) or node.arg != "action":
                continue
            value, where = node.value, f"{relative}:{node.value.lineno}"
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                codes.add(value.value)
            elif isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name):
                module = module or importlib.import_module(_module_name(path))
                codes.add(str(getattr(getattr(module, value.value.id), value.attr)))
            elif isinstance(value, ast.Name) and value.id.isupper():
                module = module or importlib.import_module(_module_name(path))
                codes.add(str(getattr(module, value.id)))
            elif isinstance(value, ast.IfExp):
                for branch in (value.body, value.orelse):
                    module = module or importlib.import_module(_module_name(path))
                    if isinstance(branch, ast.Attribute) and isinstance(branch.value, ast.Name):
                        codes.add(str(getattr(getattr(module, branch.value.id), branch.attr)))
                    else:
                        unknowable.append(where)
            elif isinstance(value, ast.Call) and getattr(value.func, "id", "") in (
                "postage_action",
                "email_action",
            ):
                continue  # a family: every member is in _codes_by_definition
            elif isinstance(value, ast.Name) or (
                isinstance(value, ast.Call)
                and getattr(value.func, "id", "") == "str"
                and all(isinstance(arg, ast.Name) for arg in value.args)
            ):
                continue  # passed on from the caller (the signal's str(action) too)
            elif isinstance(value, ast.Call) and getattr(value.func, "id", "") == "escape":
                continue  # letters_tags: a form's action URL, not a history code
            else:
                unknowable.append(where)
    return codes, unknowable


def test_every_code_the_definitions_allow_has_a_label():
    missing = sorted(_codes_by_definition() - set(ACTION_LABELS))

    assert missing == [], "give these codes words in letters/events.py ACTION_LABELS"


def test_every_code_our_code_writes_has_a_label_and_none_is_built_out_of_sight():
    # given every action= in the modules that write a letter's history
    codes, unknowable = _codes_written_in_source()

    # then the scan found the codes written through the lifecycle and the recorded facts
    assert {Action.SUBMIT, Action.HOLD, Recorded.BATCH_ADD, Recorded.TEXTS_ERASED} <= codes
    assert Recorded.CAME_BY_EMAIL in codes and Recorded.FLAG_ANNOUNCED in codes
    # and each has a label; a code built where it cannot be read (an f-string) is refused:
    # build it with postage_action / email_action, or name it in Recorded
    assert unknowable == []
    assert sorted(codes - set(ACTION_LABELS)) == []


def test_no_label_is_left_in_english_in_russian():
    with translation.override("en"):
        english = {code: str(label) for code, label in ACTION_LABELS.items()}
    with translation.override("ru"):
        left = [code for code, label in ACTION_LABELS.items() if str(label) == english[code]]

    assert left == []


@pytest.mark.parametrize(
    ("code", "english", "russian"),
    [
        (Action.HAND_IN, "translation handed in", "перевод сдан"),
        (Action.RELEASE_HOLD, "released from hold", "снято с удержания"),
        ("postage_paid", "postage paid", "почтовый сбор оплачен"),
        (
            "email_on_hold",
            "supporter e-mailed: letter on hold",
            "автор уведомлён: письмо отложено",
        ),
        ("came_by_email", "came by e-mail", "пришло по электронной почте"),
    ],
)
def test_a_code_reads_as_words_in_the_active_language(code, english, russian):
    with translation.override("en"):
        assert action_label(code) == english
    if russian:
        with translation.override("ru"):
            assert action_label(code) == russian


@pytest.mark.parametrize(
    ("code", "english", "russian"),
    [
        (
            "postage_lost_in_the_post",
            "postage: lost in the post",
            "почтовый сбор: lost in the post",
        ),
        ("email_thank_you", "supporter e-mailed: thank you", "автор уведомлён: thank you"),
        ("something_new", "something new", "something new"),
        ("test", "test", "test"),
        ("postage_", "postage", "postage"),
        ("", "", ""),
    ],
)
def test_a_code_without_a_label_reads_as_its_words_and_never_fails(code, english, russian):
    with translation.override("en"):
        assert action_label(code) == english
    with translation.override("ru"):
        assert action_label(code) == russian


def test_the_notes_letterbridge_writes_read_in_russian_on_the_letters_admin_page(
    client, coordinator
):
    # given a letter the supporter cancelled, and their e-mails sent (notes written in English)
    letter = LetterFactory(status=Letter.Status.RECEIVED)
    letter_cancel(letter_id=letter.pk)
    for notification in Notification.objects.filter(letter=letter):
        notification_send(notification_id=notification.pk)
    notes = set(LetterEvent.objects.filter(letter=letter).values_list("note", flat=True))
    assert {"Cancelled by the supporter.", "“cancelled” e-mail sent to the supporter."} <= notes

    # when a coordinator reads its page in Russian
    client.force_login(coordinator)
    page = client.get(
        reverse("admin:letters_letter_change", args=[letter.pk]), HTTP_ACCEPT_LANGUAGE="ru"
    ).content.decode()

    # then the notes read in Russian, and no English one is left
    assert "Отменено по просьбе автора." in page
    assert "Автору отправлено уведомление «отменено»." in page
    assert "sent to the supporter" not in page and "Cancelled by the supporter" not in page


def test_every_fixed_note_is_one_our_code_writes():
    # the table of notes read in Russian names only sentences the services really write
    sources = "".join(
        path.read_text()
        for folder in ("letters/services", "payments")
        for path in (BASE / folder).glob("*.py")
    )
    with translation.override("en"):
        missing = [str(note) for note in _FIXED_NOTES if f'"{note}"' not in sources]
    assert missing == []
