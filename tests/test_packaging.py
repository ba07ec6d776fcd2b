"""The skeleton: conda and pip list the same packages; the CLI and schema docs are in step."""

from __future__ import annotations

import re
import tomllib

from textkit import schema
from textkit.paths import PROJECT_ROOT


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    extras = [r for group in project["optional-dependencies"].values() for r in group]
    pip_side = {_name(r) for r in project["dependencies"] + extras}
    conda_side = set()
    text = (PROJECT_ROOT / "environment.yml").read_text()
    for line in text.split("dependencies:", 1)[1].splitlines():
        item = line.strip()
        if not item.startswith("- ") or item.endswith(":"):
            continue
        name = _name(item[2:])
        if name not in {"python", "pip", "-e"}:
            conda_side.add(name)
    assert pip_side == conda_side


def test_readme_schema_table_matches_the_code():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert schema.markdown_table() in readme, "regenerate with `python -m textkit.schema`"


def test_empty_posts_has_schema_columns_and_dtypes():
    df = schema.empty_posts()
    assert tuple(df.columns) == schema.COLUMN_NAMES
    for col in schema.POST_COLUMNS:
        assert df[col.name].dtype == col.dtype


def test_conform_adds_missing_columns_and_rejects_unknown_ones():
    import pandas as pd
    import pytest

    out = schema.conform(pd.DataFrame({"post_id": ["1"], "created_at": ["2022-01-04 09:12:33"]}))
    assert tuple(out.columns) == schema.COLUMN_NAMES
    assert str(out.created_at.iloc[0]) == "2022-01-04 09:12:33+08:00"
    assert not out.is_repost.iloc[0]
    with pytest.raises(ValueError, match="not in the posts schema"):
        schema.conform(pd.DataFrame({"nickname": ["x"]}))
