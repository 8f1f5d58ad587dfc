"""Runs the conversation tests in Rasa's own test-story format against the trained model."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STORY_FILES = sorted([ROOT / "tests" / "test_stories.yml", *(ROOT / "tests" / "stories").glob("test_*.yml")])


@pytest.mark.parametrize("stories", STORY_FILES, ids=lambda p: p.name)
def test_conversation_stories(stories: Path, model_path: Path, tmp_path: Path) -> None:
    rasa = str(Path(sys.executable).parent / "rasa")
    result = subprocess.run(
        [rasa, "test", "core", "--stories", str(stories), "--model", str(model_path), "--out", str(tmp_path),
         "--fail-on-prediction-errors"],
        cwd=ROOT, capture_output=True, text=True)
    failed = tmp_path / "failed_test_stories.yml"
    detail = failed.read_text(encoding="utf-8") if failed.exists() else result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, f"conversation tests failed:\n{detail}"
