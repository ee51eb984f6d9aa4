"""Demo data for local use: the people Write to Russia highlighted, told honestly (who is free,
who has died, whose address we do not know), three staff logins (a coordinator, a volunteer, and
a volunteer who also reviews), and letters in every state, with their postage recorded as
payments are (so the dashboard's postage figures are real). It lives in pages because it fills
both letters and payments."""

from datetime import date
from email.message import EmailMessage
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from inbox import services as inbox
from letters.models import Letter, VolunteerProfile
from letters.services import dispatch, submission, translation
from payments import services as payments
from prisoners.models import PrisonAddress, Prisoner
from replies import services as replies

DEMO_PASSWORD = "letterbridge-demo"  # noqa: S105 - local demo only; refused when DEBUG is off
SEED_URL = "https://www.rightsinrussia.org/write-to-russia-8"

PRISONERS: list[dict[str, Any]] = [
    {
        "slug": "bakhrom-khamroev",
        "name_en": "Bakhrom Khamroev",
        "name_ru": "Хамроев Бахром Мардонович",
        "name_ru_dative": "Хамроеву Бахрому Мардоновичу",
        "gender": Prisoner.Gender.MALE,
        "birth_year": 1963,
        "status": Prisoner.Status.SENTENCED,
        "accepts_letters": True,
        "source_url": SEED_URL,
        "case_summary": (
            "Human rights defender, head of the Yordam Foundation for migrants and a member of "
            "Memorial Human Rights Centre until its liquidation. In custody since 24 February "
            "2022; on 23 May 2023 sentenced to 14 years (reduced by three months on appeal), "
            "the first three in a prison, the rest in a strict-regime colony. Memorial "
            "recognises him as a political prisoner."
        ),
        "case_summary_ru": (
            "Правозащитник, руководитель фонда правовой и социальной поддержки мигрантов "
            "«Ёрдам», член Правозащитного центра «Мемориал» вплоть до его ликвидации. Под "
            "стражей с 24 февраля 2022 года. 23 мая 2023 года приговорён к 14 годам лишения "
            "свободы (после апелляции срок сократили на три месяца): первые три года — в "
            "тюрьме, остальные — в колонии строгого режима. «Мемориал» признал его "
            "политзаключённым."
        ),
        "notes_for_translators": (
            "Devout Muslim. Write about daily life, family, books; nothing about his case or "
            "the war."
        ),
        "address": {
            "postal_index": "600020",
            "region": "Владимирская область",
            "city": "г. Владимир",
            "street": "ул. Большая Нижегородская, д. 67",
            "facility": "ФКУ Т-2 УФСИН России по Владимирской области",
            "valid_from": date(2023, 12, 24),
            "source": "Memorial, 24 December 2023 (Write to Russia)",
            "is_demo": False,
        },
    },
    {
        "slug": "mikhail-zhilin",
        "name_en": "Mikhail Zhilin",
        "name_ru": "Жилин Михаил",
        "name_ru_dative": "Жилину Михаилу",
        "gender": Prisoner.Gender.MALE,
        "status": Prisoner.Status.SENTENCED,
        "accepts_letters": True,
        "is_demo": True,
        "source_url": "https://www.rightsinrussia.org/write-to-russia-3/",
        "case_summary": "Imprisoned for refusing to fight against Ukraine.",
        "case_summary_ru": "Находится в заключении за отказ воевать против Украины.",
        "notes_for_translators": "Demo record: patronymic and year of birth to be confirmed.",
        "address": {
            "postal_index": "101000",
            "region": "Демо-область",
            "city": "г. Демо",
            "street": "ул. Примерная, д. 1",
            "facility": "ДЕМО-АДРЕС — НЕ ДЛЯ ОТПРАВКИ",
            "valid_from": date(2024, 1, 1),
            "source": "Demo data: not a real address",
            "is_demo": True,
        },
    },
    {
        "slug": "aleksei-arbuzenko",
        "name_en": "Aleksei Arbuzenko",
        "name_ru": "Арбузенко Алексей",
        "name_ru_dative": "Арбузенко Алексею",
        "gender": Prisoner.Gender.MALE,
        "status": Prisoner.Status.SENTENCED,
        "accepts_letters": True,
        "is_demo": True,
        "source_url": "https://www.rightsinrussia.org/write-to-russia-4/",
        "case_summary": "Imprisoned for protesting the war against Ukraine.",
        "case_summary_ru": "Находится в заключении за протест против войны в Украине.",
        "address": {
            "postal_index": "102000",
            "region": "Демо-область",
            "city": "г. Демо",
            "street": "ул. Примерная, д. 2",
            "facility": "ДЕМО-АДРЕС — НЕ ДЛЯ ОТПРАВКИ",
            "valid_from": date(2024, 1, 1),
            "source": "Demo data: not a real address",
            "is_demo": True,
        },
    },
    {
        "slug": "evgeny-zinich",
        "name_en": "Evgeny Zinich",
        "name_ru": "Зинич Евгений",
        "name_ru_dative": "Зиничу Евгению",
        "gender": Prisoner.Gender.MALE,
        "status": Prisoner.Status.SENTENCED,
        "accepts_letters": True,
        "is_demo": True,
        "source_url": "https://www.rightsinrussia.org/write-to-russia-6/",
        "case_summary": (
            "Imprisoned for his faith. We do not know his current address: letters to him are "
            "translated and then held until we do."
        ),
        "case_summary_ru": (
            "Находится в заключении за веру. Его нынешний адрес нам неизвестен: письма ему мы "
            "переводим и храним, пока не узнаем, куда их отправить."
        ),
    },
    {
        "slug": "aleksei-navalny",
        "name_en": "Aleksei Navalny",
        "name_ru": "Навальный Алексей Анатольевич",
        "name_ru_dative": "Навальному Алексею Анатольевичу",
        "gender": Prisoner.Gender.MALE,
        "birth_year": 1976,
        "status": Prisoner.Status.DECEASED,
        "accepts_letters": False,
        "source_url": "https://www.rightsinrussia.org/write-to-russia-5/",
        "case_summary": (
            "Imprisoned for peaceful participation in electoral politics. He died in prison on "
            "16 February 2024."
        ),
        "case_summary_ru": (
            "Находился в заключении за мирную политическую деятельность и участие в выборах. "
            "Умер в колонии 16 февраля 2024 года."
        ),
    },
    {
        "slug": "sasha-skochilenko",
        "name_en": "Sasha (Alexandra) Skochilenko",
        "name_ru": "Скочиленко Александра Юрьевна",
        "name_ru_dative": "Скочиленко Александре Юрьевне",
        "gender": Prisoner.Gender.FEMALE,
        "birth_year": 1990,
        "status": Prisoner.Status.RELEASED,
        "accepts_letters": False,
        "source_url": "https://www.rightsinrussia.org/write-to-russia-2/",
        "case_summary": (
            "Artist from St Petersburg, imprisoned for a peaceful anti-war protest: in November "
            "2023 she was sentenced to seven years for replacing supermarket price tags with "
            "anti-war messages. Freed in the prisoner exchange of 1 August 2024."
        ),
        "case_summary_ru": (
            "Художница из Петербурга, лишённая свободы за мирный антивоенный протест: в ноябре "
            "2023 года её приговорили к семи годам за то, что она заменила ценники в "
            "супермаркете на листовки с антивоенными текстами. Освобождена при обмене "
            "заключёнными 1 августа 2024 года."
        ),
    },
    {
        "slug": "alsu-kurmasheva",
        "name_en": "Alsu Kurmasheva",
        "name_ru": "Курмашева Алсу",
        "name_ru_dative": "Курмашевой Алсу",
        "gender": Prisoner.Gender.FEMALE,
        "status": Prisoner.Status.RELEASED,
        "accepts_letters": False,
        "source_url": "https://www.rightsinrussia.org/write-to-russia-7/",
        "case_summary": (
            "Journalist with Radio Free Europe/Radio Liberty, held on remand for her work from "
            "October 2023 and sentenced to six and a half years in July 2024. Freed in the "
            "prisoner exchange of 1 August 2024."
        ),
        "case_summary_ru": (
            "Журналистка «Радио Свободная Европа / Радио Свобода». С октября 2023 года "
            "находилась в СИЗО из-за своей работы, в июле 2024 года её приговорили к шести с "
            "половиной годам. Освобождена при обмене заключёнными 1 августа 2024 года."
        ),
    },
]

LETTER_TEXTS = [
    (
        "en",
        "Dear Bakhrom, I hope this letter finds you well. Here the first snow has fallen and "
        "the children built a snowman in the park. I am reading a book about old gardens. "
        "You are not forgotten. With warm wishes.",
    ),
    (
        "de",
        "Lieber Bakhrom, ich hoffe, es geht Ihnen gut. Bei uns blühen im Frühling die "
        "Apfelbäume. Viele Menschen denken an Sie. Herzliche Grüße.",
    ),
    (
        "en",
        "Dear friend, I walked by the sea today and thought of you. I hope you have books "
        "to read and that your family is well. Many people send their good wishes.",
    ),
]


class Command(BaseCommand):
    help = "Load demo prisoners, staff logins and letters (local use only; runs once)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (never in production)."
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Demo data is for local use: DEBUG is off. Use --force to insist.")
        if Prisoner.objects.filter(slug="bakhrom-khamroev").exists():
            self.stdout.write("Demo data already loaded.")
            return
        with transaction.atomic():
            prisoners = self._prisoners()
            coordinator, volunteer, reviewer = self._staff()
        self._letters(prisoners, coordinator, volunteer, reviewer)
        for raw in DEMO_EMAILS:
            inbox.ingest_raw_email(raw)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))

    def _prisoners(self) -> dict[str, Prisoner]:
        result = {}
        for data in PRISONERS:
            data = dict(data)
            address = data.pop("address", None)
            prisoner = Prisoner.objects.create(**data)
            if address:
                PrisonAddress.objects.create(prisoner=prisoner, **address)
            result[prisoner.slug] = prisoner
        return result

    def _staff(self):
        User = get_user_model()
        people = []
        # The reviewer is a volunteer trusted to review others' translations too.
        # The reviewer is trusted with replies from prisoners as with letters to them.
        review = list(
            Permission.objects.filter(
                content_type__app_label__in=["letters", "replies"],
                codename__in=["review_letter", "review_reply"],
            )
        )
        for username, group, extra_perms, languages in (
            ("coordinator", "Coordinators", [], ["en", "de", "fr"]),
            ("volunteer", "Volunteers", [], ["en", "de"]),
            ("reviewer", "Volunteers", review, ["en", "de"]),
        ):
            user, created = User.objects.get_or_create(
                username=username, defaults={"is_staff": True, "email": f"{username}@example.org"}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            user.groups.add(Group.objects.get(name=group))
            user.user_permissions.add(*extra_perms)
            VolunteerProfile.objects.get_or_create(
                user=user, defaults={"languages": languages, "claim_limit": 5}
            )
            people.append(User.objects.get(pk=user.pk))  # fresh permission cache
        return people

    def _letters(self, prisoners, coordinator, volunteer, reviewer):
        khamroev, zhilin, zinich = (
            prisoners["bakhrom-khamroev"],
            prisoners["mikhail-zhilin"],
            prisoners["evgeny-zinich"],
        )

        def submit(prisoner, i, delivery=Letter.Delivery.POST_FOR_ME, currency="GBP"):
            language, text = LETTER_TEXTS[i % len(LETTER_TEXTS)]
            return submission.letter_submit(
                prisoner_id=prisoner.pk,
                supporter_name=["Anna", "Jonas", "Margaret", "Tom", "Claire"][i % 5],
                supporter_email=f"supporter{i}@example.org",
                supporter_country=["GB", "DE", "IE", "US", "FR"][i % 5],
                language=language,
                original_text=text,
                delivery=delivery,
                postage_currency=currency if delivery == Letter.Delivery.POST_FOR_ME else "",
            ).letter

        def translated(prisoner, i, **kw):
            letter = submit(prisoner, i, **kw)
            translation.letter_claim(letter_id=letter.pk, volunteer=volunteer)
            translation.letter_save_translation(
                letter_id=letter.pk,
                actor=volunteer,
                translation="Дорогой друг! Надеюсь, у вас всё хорошо. Вас не забыли. С теплом.",
                base_version=0,
            )
            translation.letter_hand_in(letter_id=letter.pk, volunteer=volunteer)
            return letter

        def approved(prisoner, i, **kw):
            letter = translated(prisoner, i, **kw)
            translation.letter_approve(letter_id=letter.pk, reviewer=reviewer)
            return letter

        submit(khamroev, 0)
        submit(zhilin, 1, delivery=Letter.Delivery.RETURN_TO_ME)
        in_translation = submit(khamroev, 2)
        translation.letter_claim(letter_id=in_translation.pk, volunteer=volunteer)
        translated(khamroev, 3)
        paid = approved(khamroev, 4)
        payments.payment_record_manual(
            letter_id=paid.pk,
            coordinator=coordinator,
            method="bank_transfer",
            amount=payments.postage_fee(paid.postage_currency),
            currency=paid.postage_currency,
            note="Demo.",
        )
        # No address known, nor his patronymic and year of birth: goes on hold for all three.
        approved(zinich, 5)
        posted = approved(khamroev, 6, currency="EUR")
        with transaction.atomic():
            payments.payment_waive(letter_id=posted.pk, coordinator=coordinator, note="Demo.")
        dispatch.letter_post(letter_id=posted.pk, coordinator=coordinator)
        # The prisoner wrote back: a scanned page waits on the replies desk.
        replies.replies_record(
            actor=coordinator,
            files=[("reply-page-1.png", _demo_scan())],
            parts=[replies.ReplyPart(letter_id=posted.pk)],
        )
        # Returned to a prisoner whose «Кому» line is complete: one without would hold it.
        returned = approved(khamroev, 7, delivery=Letter.Delivery.RETURN_TO_ME)
        dispatch.letter_return(letter_id=returned.pk, coordinator=coordinator)
        submission.letter_cancel(letter_id=submit(khamroev, 8).pk)
        translation.letter_reject(
            letter_id=submit(zhilin, 9).pk,
            coordinator=coordinator,
            reason="The letter discusses the prisoner's case, which could harm him.",
        )


def _demo_email(number: int, sender: str, subject: str, text: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "Letters to prisoners <letters@example.org>"
    message["Subject"] = subject
    message["Date"] = f"Mon, 30 Nov 2026 09:{10 + number}:00 +0000"
    message["Message-ID"] = f"<demo.{number}@mail.example.org>"
    message.set_content(text)
    return bytes(message)


# What the Inbox holds after `make run`: a letter sent by e-mail, to confirm, and a question to
# answer (the poller files real ones; see "Letters by e-mail").
DEMO_EMAILS = [
    _demo_email(
        1,
        "Jonas Beispiel <jonas@example.org>",
        "Brief an Bakhrom Khamroev",
        "Lieber Bakhrom,\n\nwir denken in Leipzig an Sie. Der Winter ist gekommen, und im Park "
        "füttern die Kinder die Enten. Sie sind nicht vergessen.\n\nHerzliche Grüße,\nJonas"
        "\n\nBitte schicken Sie den Brief für mich ab, ich bezahle das Porto gern.",
    ),
    _demo_email(
        2,
        "Claire Exemple <claire@example.org>",
        "How long does a letter take?",
        "Hello,\n\nI sent a letter to Mikhail Zhilin last week. How long does it usually take "
        "to reach him, and will I hear if he gets it?\n\nThank you,\nClaire",
    ),
]


def _demo_scan() -> bytes:
    """A page of a reply, as a scanner would give it: a PNG of a few handwritten-looking lines
    in Russian (drawn here, so the demo needs no file)."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    page = Image.new("RGB", (1240, 1754), (245, 240, 228))
    draw = ImageDraw.Draw(page)
    try:
        font: ImageFont.FreeTypeFont | ImageFont.ImageFont = ImageFont.truetype(
            "DejaVuSerif-Italic.ttf", 44
        )
    except OSError:  # no DejaVu on this machine: Pillow's own font draws Latin only
        font = ImageFont.load_default()
    lines = [
        "Здравствуйте!",
        "Спасибо за письмо, оно меня очень обрадовало.",
        "У меня всё хорошо, много читаю.",
        "Пишите ещё.",
        "Бахром",
    ]
    for row, line in enumerate(lines):
        draw.text((120, 200 + row * 90), line, fill=(40, 40, 90), font=font)
    out = io.BytesIO()
    page.save(out, format="PNG")
    return out.getvalue()
