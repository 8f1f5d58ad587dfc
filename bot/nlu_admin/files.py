"""Where the console's training data lives, the one lock around every change, atomic writes, and
Rasa YAML read and written with comments and order kept (ruamel.yaml, which Rasa itself uses).

``NLU_DATA_DIR`` (default ``data/`` of the project) holds ``nlu/*.yml`` (hand-kept training
data; ``nlu/generated/`` is made from the registry and is never edited here), ``jieba/domain_words.txt``
and ``lexicon/corrections.tsv``. Tests point it at a copy, so they never touch the repository's data.
"""
from __future__ import annotations

import fcntl
import hashlib
import io
import os
import tempfile
import threading
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, FrozenSet, Iterator, List, Tuple

import yaml
from ruamel.yaml import YAML

from bot.config import PROJECT_ROOT

DATA_DIR_ENV = "NLU_DATA_DIR"
DOMAIN_FILE_ENV = "DOMAIN_FILE"
GENERATED = "generated"  # nlu/generated/: made by `python -m bot nlu vocab`, read-only here
NEW_INTENT_FILE = "console.yml"  # blocks of intents that had no examples anywhere yet
SYNONYM_FILE = "synonyms.yml"  # hand-kept synonyms added in the console
WORDS_FILE = "domain_words.txt"
CORRECTIONS_FILE = "corrections.tsv"

_thread_lock = threading.RLock()
_held = threading.local()


def data_root() -> Path:
    value = os.environ.get(DATA_DIR_ENV, "")
    return Path(value) if value else PROJECT_ROOT / "data"


def nlu_dir() -> Path:
    return data_root() / "nlu"


def words_file() -> Path:
    return data_root() / "jieba" / WORDS_FILE


def corrections_file() -> Path:
    return data_root() / "lexicon" / CORRECTIONS_FILE


def domain_file() -> Path:
    value = os.environ.get(DOMAIN_FILE_ENV, "")
    return Path(value) if value else PROJECT_ROOT / "domain.yml"


def hand_kept_files() -> List[Path]:
    """The NLU files the console may change, sorted by name (``generated/`` left out)."""
    folder = nlu_dir()
    return sorted(p for p in folder.glob("*.yml") if p.is_file()) if folder.is_dir() else []


def generated_files() -> List[Path]:
    folder = nlu_dir() / GENERATED
    return sorted(p for p in folder.glob("*.yml") if p.is_file()) if folder.is_dir() else []


def domain_names() -> Tuple[Tuple[str, ...], FrozenSet[str]]:
    """The domain's intents (in its order) and entities; read again when the file changes."""
    path = domain_file()
    stat = path.stat()
    return _domain_names(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=2)
def _domain_names(path: str, _mtime: int, _size: int) -> Tuple[Tuple[str, ...], FrozenSet[str]]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader) or {}

    def names(key: str) -> List[str]:
        return [i if isinstance(i, str) else str(next(iter(i))) for i in data.get(key) or []]

    return tuple(names("intents")), frozenset(names("entities"))


@contextmanager
def editing() -> Iterator[None]:
    """One change at a time: a lock for this process's threads and an exclusive ``flock`` on the data
    folder itself for other processes (the CLI, a second page server); no lock file is left behind."""
    with _thread_lock:
        if getattr(_held, "depth", 0):  # re-entered by the same thread (a revert inside a batch)
            _held.depth += 1
            try:
                yield
            finally:
                _held.depth -= 1
            return
        fd = os.open(data_root(), os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            _held.depth = 1
            yield
        finally:
            _held.depth = 0
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` and rename it over ``path``: a reader (Rasa,
    git, another request) sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def stamp(path: Path) -> Tuple[str, int, int]:
    """(path, modification time, size): changes when the file does (a cache key)."""
    try:
        info = path.stat()
        return str(path), info.st_mtime_ns, info.st_size
    except OSError:
        return str(path), 0, 0


def digest(*parts: str) -> str:
    """A short version token over some text (the etag of an intent, a table, a file)."""
    sha = hashlib.sha256()
    for part in parts:
        sha.update(part.encode("utf-8"))
        sha.update(b"\0")
    return sha.hexdigest()[:16]


def round_trip_yaml() -> YAML:
    """ruamel.yaml set up as the project's files are written: sequences at the key's column, long
    lines unwrapped, quotes kept. Loading and dumping an unchanged file gives the same bytes."""
    parser = YAML()
    parser.preserve_quotes = True  # type: ignore[assignment]
    parser.width = 4096  # type: ignore[assignment]
    parser.indent(mapping=2, sequence=2, offset=0)
    return parser


def load_yaml(path: Path) -> Any:
    return round_trip_yaml().load(path.read_text(encoding="utf-8"))


def load_nlu_file(path: Path) -> Any:
    """The file's round-trip document, or a new empty NLU file's, with an ``nlu:`` list either way."""
    from ruamel.yaml.comments import CommentedSeq

    doc = load_yaml(path) if path.exists() else round_trip_yaml().load('version: "3.1"\nnlu: []\n')
    if doc.get("nlu") is None:
        doc["nlu"] = CommentedSeq()
    return doc


def dump_yaml(data: Any) -> str:
    out = io.StringIO()
    round_trip_yaml().dump(data, out)
    return out.getvalue()
