"""The coordinator's form for recording a scanned reply: the files, and which letter (or
letters, when one reply answers several supporters) it answers, with the files of each."""

from __future__ import annotations

import re

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from letters.models import Letter

from .services import ReplyPart

SPLITS = 3  # a reply to more supporters than this is recorded in two goes
_RANGE = re.compile(r"^\s*([0-9]{1,4})\s*(?:-\s*([0-9]{1,4}))?\s*$")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class LetterChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Letter) -> str:
        return f"{obj.reference} · {obj.created_at:%d.%m.%Y} · {obj.supporter_name}"


def parse_files(value: str, count: int) -> tuple[int, ...] | None:
    """ "1-2, 4" → (0, 1, 3); blank → None (every file). ValueError when it cannot be read."""
    if not value.strip():
        return None
    chosen: list[int] = []
    for piece in value.split(","):
        match = _RANGE.match(piece)
        if not match:
            raise ValueError(piece)
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if not 1 <= first <= last <= count:
            raise ValueError(piece)
        chosen += [n - 1 for n in range(first, last + 1) if n - 1 not in chosen]
    return tuple(chosen)


class RecordReplyForm(forms.Form):
    scans = MultipleFileField(
        label=_("Scanned pages"),
        help_text=_("JPEG, PNG or PDF; choose several files at once, in page order."),
        # An empty file is named with the others by the scans' check, not refused alone here
        # with a message that does not say which of the files it was.
        allow_empty_file=True,
        error_messages={"required": _("Choose the scanned pages of the reply.")},
    )

    def __init__(self, *args, letters: QuerySet[Letter], **kwargs):
        super().__init__(*args, **kwargs)
        only = list(letters[:2])
        for n in range(1, SPLITS + 1):
            self.fields[f"letter_{n}"] = LetterChoice(
                queryset=letters,
                required=n == 1,
                label=_("Letter it answers") if n == 1 else _("Also answers (optional)"),
                error_messages={"required": _("Choose the letter this reply answers.")},
            )
            self.fields[f"files_{n}"] = forms.CharField(
                required=False,
                max_length=100,
                label=_("Its files"),
                help_text=_("e.g. 1-2, 4 (numbered in upload order); blank: all of them."),
            )
        if len(only) == 1 and not self.initial.get("letter_1"):
            # One letter posted to this person: their reply can only answer that one.
            self.initial["letter_1"] = only[0].pk

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        count = len(cleaned.get("scans") or [])
        parts: list[ReplyPart] = []
        seen: set[int] = set()
        for n in range(1, SPLITS + 1):
            letter = cleaned.get(f"letter_{n}")
            spec = cleaned.get(f"files_{n}") or ""
            if letter is None:
                if spec.strip():
                    self.add_error(f"letter_{n}", _("Choose the letter these files answer."))
                continue
            if letter.pk in seen:
                self.add_error(f"letter_{n}", _("This letter is chosen twice."))
                continue
            seen.add(letter.pk)
            try:
                files = parse_files(spec, count) if count else None
            except ValueError:
                self.add_error(
                    f"files_{n}",
                    _("Write file numbers from 1 to %(n)d, like 1-2, 4.") % {"n": count},
                )
                continue
            parts.append(ReplyPart(letter_id=letter.pk, files=files))
        if len(parts) > 1 and any(part.files is None for part in parts):
            self.add_error(None, _("When a reply answers several letters, give each its files."))
        cleaned["parts"] = parts
        return cleaned
