from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def shared_path(relative: str) -> Path:
    """A file under ../shared, or a clean skip when this checkout has none."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"{path} not available (third-party data lives in ../shared)")
    return path


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="session")
def dev_pairs():
    noisy = {r["id"]: r for r in read_jsonl(shared_path("dev/noisy.jsonl"))}
    gold = read_jsonl(shared_path("dev/gold.jsonl"))
    return [(noisy[g["id"]], g) for g in gold]


@pytest.fixture
def offline_datasets(tmp_path, monkeypatch):
    """Hugging Face `datasets`, kept off the network (the suite runs offline); skips when
    it is not installed."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    datasets = pytest.importorskip("datasets")
    if hasattr(datasets.config, "HF_DATASETS_OFFLINE"):  # read at import: another test may
        monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True)  # have imported it
    return datasets
