from pathlib import Path

import pytest

from tests.factories import PrisonerWithAddressFactory

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "email"


def eml(name: str) -> bytes:
    """A message of the corpus (tests/fixtures/email/<name>.eml), as the server holds it."""
    return (CORPUS / f"{name}.eml").read_bytes()


@pytest.fixture
def directory(db):
    """Prisoners as in the directory, with names that share parts (two Alekseis)."""
    rows = [
        (
            "khamroev",
            "Bakhrom Khamroev",
            "Хамроев Бахром Мардонович",
            "Хамроеву Бахрому Мардоновичу",
        ),
        ("zhilin", "Mikhail Zhilin", "Жилин Михаил", "Жилину Михаилу"),
        ("arbuzenko", "Aleksei Arbuzenko", "Арбузенко Алексей", "Арбузенко Алексею"),
        (
            "navalny",
            "Aleksei Navalny",
            "Навальный Алексей Анатольевич",
            "Навальному Алексею Анатольевичу",
        ),
    ]
    return {
        slug: PrisonerWithAddressFactory(slug=slug, name_en=en, name_ru=ru, name_ru_dative=dative)
        for slug, en, ru, dative in rows
    }
