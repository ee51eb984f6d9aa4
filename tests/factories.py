from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from core import crypto
from letters import tokens
from letters.models import Letter, VolunteerProfile
from letters.signature import signature_proposal_ru
from prisoners.models import PrisonAddress, Prisoner


class PrisonerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prisoner

    slug = factory.Sequence(lambda n: f"prisoner-{n}")
    name_en = factory.Sequence(lambda n: f"Prisoner {n}")
    name_ru = "Хамроев Бахром Мардонович"
    name_ru_dative = "Хамроеву Бахрому Мардоновичу"
    birth_year = 1963
    status = Prisoner.Status.SENTENCED
    accepts_letters = True


class PrisonAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PrisonAddress

    prisoner = factory.SubFactory(PrisonerFactory)
    facility = "ФКУ Т-2 УФСИН России по Владимирской области"
    street = "ул. Большая Нижегородская, д. 67"
    city = "г. Владимир"
    region = "Владимирская область"
    postal_index = "600020"
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))


class PrisonerWithAddressFactory(PrisonerFactory):
    class Meta:
        skip_postgeneration_save = True

    address = factory.RelatedFactory(PrisonAddressFactory, factory_related_name="prisoner")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@staff.example.org")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()


def _in_group(name: str):
    @factory.post_generation
    def group(user, create, extracted, **kwargs):
        if create:
            user.groups.add(Group.objects.get(name=extracted or name))

    return group


class VolunteerFactory(UserFactory):
    group = _in_group("Volunteers")
    profile = factory.RelatedFactory(
        "tests.factories.VolunteerProfileFactory", factory_related_name="user"
    )


class CoordinatorFactory(UserFactory):
    group = _in_group("Coordinators")
    profile = factory.RelatedFactory(
        "tests.factories.VolunteerProfileFactory", factory_related_name="user"
    )


class VolunteerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VolunteerProfile
        django_get_or_create = ["user"]

    user = factory.SubFactory(UserFactory)
    languages = factory.LazyFunction(lambda: ["en", "de"])
    claim_limit = 3


class LetterFactory(factory.django.DjangoModelFactory):
    """A letter placed directly in a state, for tests that start mid-life. Real code only ever
    changes status through letters.services."""

    class Meta:
        model = Letter

    reference = factory.Sequence(lambda n: f"LB-T{n:07d}")
    prisoner = factory.SubFactory(PrisonerWithAddressFactory)
    supporter_name = "Anna Example"
    signature_ru = factory.LazyAttribute(lambda o: signature_proposal_ru(o.supporter_name))
    supporter_email = factory.Sequence(lambda n: f"supporter{n}@example.org")
    supporter_email_hash = factory.LazyAttribute(lambda o: crypto.lookup_hash(o.supporter_email))
    supporter_country = "GB"
    language = "en"
    original_text = "Dear friend, the first snow fell today. You are not forgotten."
    original_length = factory.LazyAttribute(lambda o: len(o.original_text))
    delivery = Letter.Delivery.POST_FOR_ME

    @factory.lazy_attribute
    def postage(self):
        if self.delivery != Letter.Delivery.POST_FOR_ME:
            return Letter.Postage.NOT_NEEDED
        return Letter.Postage.PAID if self.status == Letter.Status.POSTED else Letter.Postage.DUE

    postage_currency = factory.LazyAttribute(
        lambda o: "GBP" if o.delivery == Letter.Delivery.POST_FOR_ME else ""
    )
    status = Letter.Status.RECEIVED
    status_changed_at = factory.LazyFunction(timezone.now)
    tracking_salt = factory.LazyFunction(tokens.new_salt)
    tracking_token_hash = factory.LazyAttribute(
        lambda o: tokens.token_hash(tokens.token_for(salt=o.tracking_salt))
    )

    @factory.lazy_attribute
    def claimed_by(self):
        if self.status == Letter.Status.IN_TRANSLATION:
            return VolunteerFactory()
        return None

    @factory.lazy_attribute
    def claimed_at(self):
        return timezone.now() if self.status == Letter.Status.IN_TRANSLATION else None

    @factory.lazy_attribute
    def claim_expires_at(self):
        if self.status == Letter.Status.IN_TRANSLATION:
            return timezone.now() + timedelta(days=7)
        return None

    @factory.lazy_attribute
    def translation(self):
        before = {Letter.Status.RECEIVED, Letter.Status.IN_TRANSLATION}
        return "" if self.status in before else "Дорогой друг! Вас не забыли."

    @factory.lazy_attribute
    def translated_by(self):
        before = {Letter.Status.RECEIVED, Letter.Status.IN_TRANSLATION}
        return None if self.status in before else VolunteerFactory()
