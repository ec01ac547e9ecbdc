"""The layers of ARCHITECTURE.md, held by the import-linter contract in pyproject.toml; and
cli.py, which import-linter cannot name (a module, not a package), held here."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "broken" not in done.stdout.split("Contracts:")[-1].replace("0 broken", "")


def test_the_command_line_reaches_the_read_side_only_through_the_use_cases():
    tree = ast.parse((ROOT / "cli.py").read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for alias in node.names}
    assert not {m for m in imported if m and m.split(".")[0] in ("projections", "sqlalchemy",
                                                                 "eventsourcing")} - {
        "eventsourcing.persistence"}
