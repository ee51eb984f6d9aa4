"""`make bench` (part): how long one posting batch of N letters takes to render into one PDF.

Rendering only (fonts, layout, compression), with letters of a realistic length built in memory,
so it needs no database: `python -m benchmarks.pdf_batch --letters 500`. Prints seconds, pages
and size, and writes var/bench/pdf_batch.json. The letters end with the reply block when
LETTERBRIDGE_REPLY_ADDRESS is set, and carry the reply kit with LETTERBRIDGE_REPLY_KIT=true.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from pypdf import PdfReader  # noqa: E402

from letters import pdf  # noqa: E402
from letters.models import Letter  # noqa: E402
from prisoners.models import PrisonAddress, Prisoner  # noqa: E402

PARAGRAPH = (
    "Здравствуйте! Пишу Вам из Лондона. Я прочитала о Вашем деле и хочу, чтобы Вы знали: "
    "о Вас помнят, за Вас переживают незнакомые люди в разных странах. У нас сейчас осень, "
    "идут дожди, но в парке ещё цветут последние розы. "
)


def build(n: int) -> tuple[list[Letter], dict[int, PrisonAddress]]:
    letters, addresses = [], {}
    for i in range(n):
        prisoner = Prisoner(
            pk=i + 1,
            name_en=f"Prisoner {i}",
            name_ru="Хамроев Бахром Мардонович",
            name_ru_dative="Хамроеву Бахрому Мардоновичу",
            birth_year=1963,
        )
        addresses[prisoner.pk] = PrisonAddress(
            prisoner=prisoner,
            facility="ФКУ Т-2 УФСИН России по Владимирской области",
            street="ул. Большая Нижегородская, д. 67",
            city="г. Владимир",
            region="Владимирская область",
            postal_index=f"{600000 + i % 1000:06d}",
            valid_from=date(2024, 1, 1),
        )
        letters.append(
            Letter(
                reference=f"LB-B{i:07d}",
                prisoner=prisoner,
                supporter_name=f"Supporter {i}",
                language="en",
                delivery=Letter.Delivery.POST_FOR_ME,  # a batch holds the letters we post
                translation="\n\n".join([PARAGRAPH * 3] * (2 + i % 4)),
            )
        )
    return letters, addresses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--letters", type=int, default=500)
    args = parser.parse_args()
    letters, addresses = build(args.letters)
    pdf.register_fonts()
    started = time.perf_counter()
    content = pdf.render_batch_pdf(letters, addresses=addresses)
    seconds = time.perf_counter() - started
    pages = len(PdfReader(io.BytesIO(content)).pages)
    result = {
        "letters": args.letters,
        "seconds": round(seconds, 2),
        "pages": pages,
        "megabytes": round(len(content) / 1e6, 2),
        "letters_per_second": round(args.letters / seconds, 1),
    }
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "pdf_batch.json").write_text(json.dumps(result, indent=2))
    print(
        f"PDF batch: {result['letters']} letters -> one PDF of {pages} pages, "
        f"{result['megabytes']} MB, in {result['seconds']} s "
        f"({result['letters_per_second']} letters/s)"
    )


if __name__ == "__main__":
    main()
