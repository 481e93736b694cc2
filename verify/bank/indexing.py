"""Add files to the bank: inspect, skip known bytes, fingerprint picture and sound, store."""

from __future__ import annotations

import concurrent.futures
import os
from typing import Any

from verify.audio.landmarks import AudioFingerprint, fingerprint_audio
from verify.bank.store import AddResult, BankStore
from verify.config import AUDIO, HASH, INSPECT, AudioConfig, HashConfig
from verify.errors import InputError, UnreadableMedia, display_path
from verify.hashing.fingerprint import fingerprint_video, sound_only_fingerprint
from verify.inspection.inspect import Inspection, inspect_file


def metadata_summary(inspection: Inspection) -> dict[str, Any]:
    """What the bank keeps of a file's metadata: enough to judge provenance later."""
    capture = inspection.capture
    container = inspection.container
    return {
        "format": container.format_name if container else inspection.filetype.kind,
        "creation_time": capture.creation_time.to_dict() if capture.creation_time else None,
        "device": capture.device.to_dict(),
        "location": capture.location.to_dict() if capture.location else None,
        "flags": [flag.code for flag in inspection.flags],
        "md5": inspection.digest.md5,
        "mtime": inspection.to_dict()["file"]["mtime"],
    }


def index_file(
    bank: BankStore,
    path: str | os.PathLike[str],
    *,
    source: str | None = None,
    posted_at: str | None = None,
    url: str | None = None,
    sampling: str | None = None,
    timeout: float = INSPECT.probe_timeout_s,
    config: HashConfig = HASH,
    audio_config: AudioConfig = AUDIO,
) -> AddResult:
    """Add one video to ``bank`` with its sound's landmarks, if it has sound; bytes already
    there are not decoded again. A sound file (a voice message) is stored for its sound
    alone."""
    inspection = inspect_file(path, timeout=timeout)
    digest = inspection.digest
    if bank.has(digest.sha256):
        return AddResult(bank.find(digest.sha256), added=False)
    kinds = {stream.kind for stream in inspection.streams if not stream.attached_picture}
    if "video" not in kinds and "audio" in kinds:
        audio: AudioFingerprint | None = fingerprint_audio(
            path, timeout=timeout, config=audio_config
        )
        if not audio.count:
            raise UnreadableMedia("no video stream, and its sound is silent", path)
        duration = inspection.container.duration if inspection.container else None
        fingerprint = sound_only_fingerprint(path, digest.sha256, digest.size, duration)
    else:
        with concurrent.futures.ThreadPoolExecutor(1) as beside:
            # The sound decodes in its own ffmpeg process while the picture is hashed.
            sound = (
                beside.submit(sound_of, path, timeout=timeout, config=audio_config)
                if "audio" in kinds
                else None
            )
            fingerprint = fingerprint_video(
                path,
                sampling,
                timeout=timeout,
                known_digest=(digest.sha256, digest.size),
                probed=inspection,
                config=config,
            )
            audio = sound.result() if sound is not None else None
    return bank.add_video(
        fingerprint,
        summary=metadata_summary(inspection),
        source=source,
        posted_at=posted_at,
        url=url,
        path=display_path(os.path.abspath(os.fsencode(path))),
        audio=audio,
    )


def sound_of(
    path: str | os.PathLike[str] | bytes, *, timeout: float, config: AudioConfig = AUDIO
) -> AudioFingerprint | None:
    """A file's sound as landmarks; None when it has no sound that ffmpeg can decode, or
    cannot be read now (the picture is still worth storing and matching)."""
    try:
        audio = fingerprint_audio(path, timeout=timeout, config=config)
    except (UnreadableMedia, InputError):
        return None
    return audio if audio.count else None
