"""``main.py workspace check|backup|restore`` on a healthy workspace, as a user runs them."""

from __future__ import annotations

from cli import run_cli
from core.workspace.backup import list_backups
from core.workspace.store import Workspace


def _cli(capsys, *argv) -> tuple[int, str, str]:
    code = run_cli(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_backup_and_restore_a_healthy_workspace(tmp_path, capsys):
    folder = str(tmp_path / "ws")
    Workspace.open(folder).close()
    code, out, _ = _cli(capsys, "workspace", "check", "--workspace", folder)
    assert code == 0 and "integrity and foreign keys ok" in out and "schema" in out
    assert "no backup yet" in out  # a warning, not a failure
    code, out, _ = _cli(capsys, "workspace", "backup", "--workspace", folder)
    [made] = [b for b in list_backups(folder) if b.kind == "manual"]
    assert code == 0 and str(made.path) in out
    code, out, _ = _cli(capsys, "workspace", "check", "--workspace", folder)
    assert code == 0 and "backups; newest" in out and "warning" not in out
    code, out, _ = _cli(capsys, "workspace", "restore", "--from", str(made.path),
                        "--workspace", folder)
    assert code == 0 and "replaced database is kept" in out


def test_restore_from_a_file_that_is_not_a_backup_is_refused(tmp_path, capsys):
    folder = str(tmp_path / "ws")
    Workspace.open(folder).close()
    bogus = tmp_path / "bogus.db"
    bogus.write_bytes(b"x" * 4096)
    code, _, err = _cli(capsys, "workspace", "restore", "--from", str(bogus),
                        "--workspace", folder)
    assert code == 2 and "Cannot restore from" in err and err.count("\n") == 1
    assert not (tmp_path / "ws" / "backups").exists() or not list(
        (tmp_path / "ws" / "backups").glob("replaced-*"))
