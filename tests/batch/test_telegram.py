"""Reading Telegram Desktop exports and download-folder names."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.batch.telegram import download_time_from_name, load_export, missing_files, read_export
from verify.errors import InputError


@pytest.fixture
def export(tmp_path, samples):
    folder = tmp_path / "ChatExport_2022-04-05"
    (folder / "video_files").mkdir(parents=True)
    (folder / "photos").mkdir()
    shutil.copy(samples / "telegram_reencode.mp4", folder / "video_files" / "clip.mp4")
    shutil.copy(samples / "photo.jpg", folder / "photos" / "photo_1@02-04-2022_09-45-00.jpg")
    result = {
        "name": "Frontline News",
        "type": "public_channel",
        "id": 1234567890,
        "messages": [
            {"id": 1, "type": "service", "date": "2022-04-01T08:00:00", "action": "create_channel"},
            {
                "id": 41,
                "type": "message",
                "date": "2022-04-02T12:00:00",
                "date_unixtime": "1648893600",
                "from": "Frontline News",
                "from_id": "channel1234567890",
                "forwarded_from": "Eyewitness",
                "file": "video_files/clip.mp4",
                "file_name": "IMG_4412.MOV",
                "file_size": 364301,
                "media_type": "video_file",
                "duration_seconds": 8,
                "text": ["Shelling near ", {"type": "bold", "text": "the bridge"}, " this morning"],
            },
            {
                "id": 42,
                "type": "message",
                "date_unixtime": "1648893700",
                "photo": "photos/photo_1@02-04-2022_09-45-00.jpg",
                "text": "",
            },
            {
                "id": 43,
                "type": "message",
                "date_unixtime": "1648893800",
                "file": "(File not included. Change data exporting settings to download.)",
            },
            {
                "id": 44,
                "type": "message",
                "date_unixtime": "1648893900",
                "file": "video_files/gone.mp4",
            },
        ],
    }
    (folder / "result.json").write_text(json.dumps(result), "utf-8")
    return folder


def test_files_are_linked_to_their_messages(export):
    posts = read_export(export)
    assert len(posts) == 2
    video = posts[str((export / "video_files" / "clip.mp4").resolve())]
    assert video.chat_name == "Frontline News"
    assert video.chat_id == 1234567890
    assert video.message_id == 41
    assert video.posted_at == "2022-04-02T10:00:00Z"  # from date_unixtime, not the zone-less date
    assert video.forwarded_from == "Eyewitness"
    assert video.text == "Shelling near the bridge this morning"
    assert video.original_name == "IMG_4412.MOV"
    assert (video.duration, video.size) == (8.0, 364301)


def test_missing_files_are_listed(export):
    assert [p.split("/")[-1] for p in missing_files(export)] == ["gone.mp4"]


def test_whole_account_export(export):
    single = json.loads((export / "result.json").read_text())
    (export / "result.json").write_text(json.dumps({"chats": {"list": [single]}}))
    assert len(read_export(export)) == 2


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", ""])
def test_malformed_result_json(export, content):
    (export / "result.json").write_text(content)
    with pytest.raises(InputError, match=r"result\.json"):
        read_export(export)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("video_2022-04-02_09-41-27.mp4", "2022-04-02T09:41:27"),
        ("photo_2023-01-15_23-05-00.jpg", "2023-01-15T23:05:00"),
        ("IMG_4412.MOV", None),
        ("clip.mp4", None),
    ],
)
def test_download_names(name, expected):
    assert download_time_from_name(name) == expected


# --------------------------------------------------------------------------- any shape at all

# JSON values of every kind, numbers huge and non-finite included, text with
# lone surrogates and NUL bytes.
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.characters(), max_size=30)
    | st.sampled_from(["video_files/clip.mp4", "../outside.mp4", "/etc/passwd", "a\x00b", ""])
)
_KEYS = st.sampled_from(
    ["messages", "chats", "list", "id", "type", "name", "text", "file", "photo", "thumbnail",
     "date_unixtime", "from", "from_id", "forwarded_from", "file_name", "file_size",
     "duration_seconds", "message"]
)  # fmt: skip
_JSON = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(_KEYS | st.text(max_size=8), children, max_size=6)
    ),
    max_leaves=30,
)
_MESSAGE = st.fixed_dictionaries(
    {"id": _JSON, "type": st.sampled_from(["message", "service"]) | _JSON},
    optional={key: _JSON for key in ("text", "file", "photo", "thumbnail", "date_unixtime",
                                     "from", "file_size", "duration_seconds", "file_name")},
)  # fmt: skip
_EXPORT = st.fixed_dictionaries(
    {},
    optional={
        "name": _JSON, "id": _JSON,
        "messages": st.lists(_MESSAGE | _JSON, max_size=6) | _JSON,
        "chats": st.fixed_dictionaries({}, optional={"list": st.lists(
            st.fixed_dictionaries({}, optional={"name": _JSON, "id": _JSON,
                                                "messages": st.lists(_MESSAGE, max_size=4)}),
            max_size=3) | _JSON}) | _JSON,
    },
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(document=_EXPORT | _JSON)
def test_any_result_json_gives_posts_or_one_clear_error(document):
    """Whatever result.json holds, the reader yields posts or raises `InputError`: nothing else."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "video_files").mkdir()
        (root / "video_files" / "clip.mp4").write_bytes(b"\0" * 16)
        (root / "result.json").write_text(json.dumps(document), "utf-8", errors="surrogatepass")
        try:
            export = load_export(root)
        except InputError as error:
            assert error.message and "result.json" in str(error)
            return
        for post in (*export.posts.values(), *export.missing.values(), *export.outside.values()):
            text = json.dumps(post.to_dict(), allow_nan=False)  # finite numbers only
            text.encode("utf-8")  # no lone surrogate survives
        for path in (*export.posts, *export.missing):
            assert path.startswith(str(root.resolve()) + os.sep)  # nothing outside is named
