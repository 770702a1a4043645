"""Prompts as audio: espeak-ng speaks each text once; the PBX fetches WAVs by the step's
address or by a flow's prompt id."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from lealtad.contactcenter.services import ivr, prompts

from .conftest import ACTOR

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed"),
]
BASE = "/api/v1/contactcenter/ivr"


@pytest.fixture
def pbx(token_client: Any, center: Any, settings: Any, tmp_path: Any) -> Any:
    settings.LEALTAD_HOME = tmp_path
    ivr.seed_examples(ACTOR, create_queues=True)
    return token_client("api_client", ("telephony:write",))


def wav_bytes(answer: Any) -> bytes:
    assert answer.status_code == 200, answer.content if hasattr(answer, "content") else answer
    assert answer["Content-Type"] == "audio/wav"
    return b"".join(answer.streaming_content)


def test_every_prompt_of_a_step_has_an_audio_address_the_pbx_can_fetch(pbx, tmp_path):
    started = pbx.post(
        f"{BASE}/sessions", {"flow": "bank", "call_id": "a1"}, content_type="application/json"
    ).json()
    (prompt,) = started["step"]["prompts"]
    assert prompt["audio"].startswith(f"{BASE}/prompts/t") and prompt["audio"].endswith(".wav")
    data = wav_bytes(pbx.get(prompt["audio"]))
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE" and len(data) > 10_000
    cached = list((tmp_path / "ivr-prompts").glob("*.wav"))
    assert len(cached) == 1
    before = cached[0].stat().st_mtime_ns
    assert wav_bytes(pbx.get(prompt["audio"])) == data  # served from the cache
    assert cached[0].stat().st_mtime_ns == before
    assert not list((tmp_path / "ivr-prompts").glob("*.txt"))  # the note went once spoken


def test_a_flow_prompt_by_its_id_in_each_language(pbx):
    spanish = wav_bytes(pbx.get(f"{BASE}/prompts/bank.main_menu.wav?lang=es"))
    english = wav_bytes(pbx.get(f"{BASE}/prompts/bank.main_menu.wav?lang=en"))
    assert spanish != english
    goodbye = wav_bytes(pbx.get(f"{BASE}/prompts/bank.messages.goodbye.wav?lang=es"))
    assert goodbye[:4] == b"RIFF"
    invalid = wav_bytes(pbx.get(f"{BASE}/prompts/bank.ask_account.invalid.wav?lang=en"))
    assert invalid[:4] == b"RIFF"


def test_unknown_or_variable_prompts_are_not_found(pbx):
    for path in (
        "bank.nowhere.wav?lang=es",
        "bank.main_menu.wav?lang=fr",
        "bank.say_balance.wav?lang=es",  # renders the balance: fetched by its step's address
        "nobank.main_menu.wav",
        "t" + "0" * 40 + ".wav",
        "..%2Fsecret_key.wav",
    ):
        assert pbx.get(f"{BASE}/prompts/{path}").status_code == 404, path


def test_the_same_text_is_one_file_and_a_dynamic_text_is_spoken_on_demand(settings, tmp_path):
    settings.LEALTAD_HOME = tmp_path
    key = prompts.remember("Su saldo es 12,50 USD.", "es")
    assert prompts.remember("Su saldo es 12,50 USD.", "es") == key
    assert prompts.remember("Su saldo es 12,50 USD.", "en") != key
    wav = prompts.wav_for_key(key)
    assert wav is not None and wav.read_bytes()[:4] == b"RIFF"
    assert prompts.speak("Su saldo es 12,50 USD.", "es") == wav
    assert prompts.wav_for_key("t" + "f" * 40) is None
    assert prompts.wav_for_key("../etc/passwd") is None


def test_audio_needs_the_telephony_capability(token_client, pbx):
    agent = token_client("agent", ("contactcenter:handle",))
    assert agent.get(f"{BASE}/prompts/bank.main_menu.wav?lang=es").status_code == 403
