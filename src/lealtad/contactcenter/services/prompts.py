"""IVR prompts as audio: espeak-ng speaks each prompt's text once per language and voice,
and the WAV is kept under the data directory by a hash of what it says.

A PBX plays a WAV rather than synthesising text itself, and most prompts repeat on every call
(the main menu), so each distinct text is rendered once. A prompt that renders variables
("Su saldo es 120,50 USD") is a new text: its text is remembered (a small ``.txt`` beside
where its WAV will go) when the step is answered, and spoken when the PBX first asks for it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings

VOICES = {"es": "es-419", "en": "en-us"}  # Latin American Spanish; other codes as given
SPEED = 150  # words per minute: slower than espeak-ng's 175, easier on a phone line
KEY = re.compile(r"^t[0-9a-f]{40}$")


class AudioUnavailable(RuntimeError):
    """espeak-ng is not installed or failed; the PBX falls back to its own text-to-speech."""


def audio_dir() -> Path:
    folder = Path(settings.LEALTAD_HOME) / "ivr-prompts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def voice_for(language: str) -> str:
    return VOICES.get(language, language)


def prompt_key(text: str, language: str) -> str:
    digest = hashlib.sha256(f"{voice_for(language)}\0{SPEED}\0{text}".encode()).hexdigest()
    return "t" + digest[:40]


def remember(text: str, language: str) -> str:
    """The key the prompt's audio is asked for by; its text is kept until it is spoken."""
    key = prompt_key(text, language)
    folder = audio_dir()
    note = folder / f"{key}.txt"
    if not note.exists() and not (folder / f"{key}.wav").exists():
        _write_atomically(note, f"{language}\n{text}".encode())
    return key


def wav_for_key(key: str) -> Path | None:
    """The WAV of a remembered prompt (spoken now if it was not yet), or None if unknown."""
    if not KEY.match(key):
        return None
    folder = audio_dir()
    wav = folder / f"{key}.wav"
    if wav.exists():
        return wav
    note = folder / f"{key}.txt"
    if not note.exists():
        return None
    language, _, text = note.read_text(encoding="utf-8").partition("\n")
    return speak(text, language)


def speak(text: str, language: str) -> Path:
    """The WAV of ``text`` in ``language``, rendered by espeak-ng the first time."""
    key = prompt_key(text, language)
    wav = audio_dir() / f"{key}.wav"
    if wav.exists():
        return wav
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise AudioUnavailable("espeak-ng is not installed (scripts/setup-system.sh)")
    handle, temporary = tempfile.mkstemp(suffix=".wav", dir=wav.parent)
    os.close(handle)
    try:
        command = [binary, "-v", voice_for(language), "-s", str(SPEED), "-w", temporary, "--", text]
        done = subprocess.run(command, capture_output=True, timeout=60, check=False)
        if done.returncode != 0 or Path(temporary).stat().st_size == 0:
            raise AudioUnavailable(done.stderr.decode(errors="replace").strip() or "no audio")
        os.replace(temporary, wav)  # two renders of one text at once: either wins, both whole
    finally:
        Path(temporary).unlink(missing_ok=True)
    (wav.parent / f"{key}.txt").unlink(missing_ok=True)
    return wav


def _write_atomically(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent)
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(temporary, path)
