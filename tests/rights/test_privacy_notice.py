"""The privacy notice says who is responsible for supporters' data and how to reach them, and
leads to the page where supporters see or erase it."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_notice_names_the_controller_and_how_to_reach_them(client, settings):
    # given a deployment that names its data controller and a contact address
    settings.LETTERBRIDGE_CONTROLLER_NAME = "Friends of Prisoners e.V."
    settings.LETTERBRIDGE_CONTACT_EMAIL = "privacy@friends.example"

    # when a supporter reads the privacy notice
    page = client.get(reverse("letters:privacy")).content.decode()

    # then it says who is responsible and where to write
    assert "Friends of Prisoners e.V. is responsible for your data (the data controller)." in page
    assert '<a href="mailto:privacy@friends.example">privacy@friends.example</a>' in page


def test_the_notice_and_every_page_link_to_see_or_erase_your_data(client):
    # when a supporter reads the notice
    page = client.get(reverse("letters:privacy")).content.decode()

    # then the rights page is linked from its text and from the footer
    link = f'<a href="{reverse("rights:request")}">See or erase your data</a>'
    assert page.count(link) == 2
    footer = client.get(reverse("letters:find")).content.decode().split('class="site-footer"')[1]
    assert link in footer


def test_the_controller_defaults_to_the_organisation_and_its_sending_address():
    # given no LETTERBRIDGE_CONTROLLER_NAME or LETTERBRIDGE_CONTACT_EMAIL in the environment
    from email.utils import parseaddr

    from config.settings import base

    # then the organisation answers, at the address its e-mails come from
    assert base.LETTERBRIDGE_CONTROLLER_NAME == base.LETTERBRIDGE_ORGANISATION_NAME
    assert base.LETTERBRIDGE_CONTACT_EMAIL == parseaddr(base.DEFAULT_FROM_EMAIL)[1]
    assert "@" in base.LETTERBRIDGE_CONTACT_EMAIL


def test_the_notice_reads_in_russian(client, settings):
    # given the controller's name and a supporter reading in Russian
    settings.LETTERBRIDGE_CONTROLLER_NAME = "Letterbridge"
    settings.LETTERBRIDGE_CONTACT_EMAIL = "privacy@example.org"
    client.cookies["django_language"] = "ru"

    # when they open the notice
    page = client.get(reverse("letters:privacy")).content.decode()

    # then who is responsible, and the way to their data, are in Russian
    assert "За ваши данные отвечает Letterbridge (оператор персональных данных)." in page
    assert 'пишите на <a href="mailto:privacy@example.org">privacy@example.org</a>.' in page
    assert "Посмотреть или удалить ваши данные</a>" in page
