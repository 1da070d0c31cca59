"""docs/engine.md: its complete example runs, as written, and prints what the page says."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "engine.md"
MARKER = "# example: scripted-session"


def example() -> str:
    """The code of the doc's complete example."""
    found = re.search(
        rf"```python\n({re.escape(MARKER)}\n.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL
    )
    assert found is not None, f"{DOC} has no block starting with {MARKER!r}"
    return found.group(1)


class TestEngineDoc:
    """The examples of docs/engine.md."""

    def test_the_scripted_session_example_runs(self, tmp_path: Path) -> None:
        """The example, run as a program, completes, exchanges the token and writes 10 lines."""
        script = tmp_path / "example.py"
        script.write_text(example(), encoding="utf-8")
        # Run from a scratch folder: at the project root, flatpeak_connect/ would shadow the
        # installed package.
        done = subprocess.run(  # noqa: S603 - our own interpreter, our own file
            [sys.executable, str(script)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "complete CLOSE" in done.stdout
        assert re.search(r"location: loc_\w+ customer: cus_\w+", done.stdout)
        assert "transcript: 10 lines" in done.stdout
        assert "Northgrid Standard" in done.stdout
