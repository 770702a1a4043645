"""The pipeline board as a seller uses it: columns with counts and sums over every deal the
filters select, the biggest cards first with "n more", moving a card (and being told why a
won deal cannot move back), in a fixed number of queries whatever the number of deals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lealtad.sales.models import Opportunity, StageChange
from lealtad.sales.selectors_board import CARDS_PER_COLUMN

from .screens_data import PASSWORD, open_deals, seller, stage, team

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep(db: object):
    return seller("lucia.ventas")


@pytest.fixture
def signed_in(client, rep):
    assert client.login(username=rep.username, password=PASSWORD)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_columns_show_count_amount_and_cards(signed_in, pipeline, rep) -> None:
    today = timezone.localdate()
    open_deals(
        pipeline,
        [
            {"name": "Farmacia Cruz Azul", "amount": "1500.00", "close": today, "owner": rep},
            {
                "name": "Banco Pichincha",
                "amount": "9000.50",
                "close": today,
                "owner": rep,
                "stage": "Propuesta",
            },
            {"name": "Tía", "amount": "250", "close": today, "owner": rep, "stage": "Propuesta"},
        ],
    )
    page = signed_in.get("/sales/board/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Banco Pichincha" in body and "Farmacia Cruz Azul" in body
    proposal = stage(pipeline, "Propuesta")
    column = body.split(f'data-stage="{proposal.pk}"')[1].split("</section>")[0]
    assert "2 deals" in column and "9,250.50" in column
    assert column.index("Banco Pichincha") < column.index("Tía")  # biggest first


def test_a_long_column_shows_its_biggest_cards_and_how_many_more(signed_in, pipeline, rep):
    today = timezone.localdate()
    rows = [
        {"name": f"Deal {i:03d}", "amount": str(100 + i), "close": today, "owner": rep}
        for i in range(CARDS_PER_COLUMN + 7)
    ]
    open_deals(pipeline, rows)
    body = signed_in.get("/sales/board/").content.decode()
    assert f"Deal {CARDS_PER_COLUMN + 6:03d}" in body  # the biggest
    assert "Deal 000" not in body  # the smallest is left out
    assert "7 more" in body


def test_filters_narrow_totals_and_cards(signed_in, pipeline, rep) -> None:
    other = seller("pedro.ventas")
    squad = team("sierra", other)
    today = timezone.localdate()
    later = (today.replace(day=1) + timedelta(days=40)).replace(day=3)
    open_deals(
        pipeline,
        [
            {"name": "Mine now", "amount": "10", "close": today, "owner": rep},
            {"name": "Mine later", "amount": "20", "close": later, "owner": rep},
            {"name": "Theirs", "amount": "30", "close": today, "owner": other, "team": squad},
        ],
    )
    mine = signed_in.get(f"/sales/board/?owner={rep.pk}").content.decode()
    assert "Mine now" in mine and "Mine later" in mine and "Theirs" not in mine
    theirs = signed_in.get(f"/sales/board/?team={squad.pk}").content.decode()
    assert "Theirs" in theirs and "Mine now" not in theirs
    month = signed_in.get(f"/sales/board/?month={later:%Y-%m}").content.decode()
    assert "Mine later" in month and "Mine now" not in month and "Theirs" not in month


def test_moving_a_card_moves_it_and_keeps_the_history(signed_in, pipeline, rep) -> None:
    [deal] = open_deals(
        pipeline, [{"name": "Claro", "amount": "500", "close": timezone.localdate(), "owner": rep}]
    )
    target = stage(pipeline, "Negociación")
    answer = signed_in.post(
        "/sales/board/move/",
        {"opportunity": deal.pk, "stage": target.pk, "query": ""},
        HTTP_HX_REQUEST="true",
    )
    assert answer.status_code == 200
    assert f"{deal.number} is now in Negociación." in answer.content.decode()
    deal.refresh_from_db()
    assert deal.stage_id == target.pk
    assert StageChange.objects.filter(opportunity=deal, to_stage=target).exists()


def test_a_won_deal_cannot_be_dragged_back(signed_in, pipeline, rep) -> None:
    today = timezone.localdate()
    [deal] = open_deals(
        pipeline,
        [{"name": "CNT", "amount": "800", "close": today, "owner": rep, "stage": "Ganada"}],
    )
    answer = signed_in.post(
        "/sales/board/move/",
        {"opportunity": deal.pk, "stage": stage(pipeline, "Propuesta").pk},
        HTTP_HX_REQUEST="true",
    )
    body = answer.content.decode()
    assert f"Opportunity {deal.number} is won already: it cannot move back." in body
    assert Opportunity.objects.get(pk=deal.pk).stage.name == "Ganada"


def test_without_javascript_the_move_menu_posts_and_comes_back(signed_in, pipeline, rep):
    [deal] = open_deals(
        pipeline, [{"name": "Movistar", "amount": "5", "close": timezone.localdate(), "owner": rep}]
    )
    answer = signed_in.post(
        "/sales/board/move/",
        {
            "opportunity": deal.pk,
            "stage": stage(pipeline, "Propuesta").pk,
            "query": f"owner={rep.pk}",
        },
        follow=True,
    )
    assert answer.redirect_chain[-1][0] == f"/sales/board/?owner={rep.pk}"
    assert "is now in Propuesta" in answer.content.decode()


def test_a_move_to_another_pipelines_stage_is_refused(signed_in, pipeline, rep) -> None:
    from lealtad.sales.services.pipelines import StageIn, create_pipeline

    other = create_pipeline(
        "renovaciones",
        "Renovaciones",
        [StageIn("Aviso", 20), StageIn("Renovada", 100, "won"), StageIn("Cancelada", 0, "lost")],
    )
    [deal] = open_deals(
        pipeline, [{"name": "Renov", "amount": "5", "close": timezone.localdate(), "owner": rep}]
    )
    answer = signed_in.post(
        "/sales/board/move/",
        {"opportunity": deal.pk, "stage": other.stages.get(name="Aviso").pk},
        HTTP_HX_REQUEST="true",
    )
    assert f"That stage is not in pipeline {pipeline.name}." in answer.content.decode()
    assert Opportunity.objects.get(pk=deal.pk).stage.name == "Prospección"


def test_the_board_costs_the_same_queries_for_few_or_many_deals(signed_in, pipeline, rep):
    today = timezone.localdate()
    open_deals(pipeline, [{"name": "One", "amount": "1", "close": today, "owner": rep}])
    with CaptureQueriesContext(connection) as few:
        signed_in.get("/sales/board/", {"part": "board"}, HTTP_HX_REQUEST="true")
    open_deals(
        pipeline,
        [
            {"name": f"D{i}", "amount": str(i), "close": today, "owner": rep, "stage": s}
            for i, s in enumerate(["Propuesta", "Negociación", "Calificación"] * 10)
        ],
    )
    with CaptureQueriesContext(connection) as many:
        signed_in.get("/sales/board/", {"part": "board"}, HTTP_HX_REQUEST="true")
    assert len(many) - len(few) <= 3  # one cards query per stage that now has cards, no more


def test_a_person_without_sales_work_cannot_see_the_board(client, pipeline) -> None:
    seller("carla.tienda", role="store_clerk")
    assert client.login(username="carla.tienda", password=PASSWORD)
    assert client.get("/sales/board/").status_code == 403
