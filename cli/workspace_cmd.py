"""``main.py workspace check|backup|restore``: the workspace database's health and backups."""

from __future__ import annotations

from cli.common import workspace_action


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "workspace", help="check, back up or restore the workspace database",
        description="The workspace database (workspace.db) is backed up into BACKUPS/ once a "
                    "day and before every schema migration. `check` lists what is wrong (exit "
                    "2 when broken), `restore` puts a good backup back (the replaced file is "
                    "kept in backups/replaced-*).")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    workspace_action(actions, "check", "integrity, foreign keys, schema version, backups",
                     _check)
    workspace_action(actions, "backup", "back the database up now", _backup)
    restore = workspace_action(actions, "restore", "restore the newest good backup", _restore)
    restore.add_argument("--from", dest="source", metavar="BACKUP",
                         help="this backup file instead of the newest good one")


def _check(args) -> int:
    from core.workspace.health import check_workspace, is_broken

    findings = check_workspace(args.workspace)
    for finding in findings:
        print(finding)
    return 2 if is_broken(findings) else 0


def _backup(args) -> int:
    from core.workspace.store import Workspace

    with Workspace.open(args.workspace) as ws:
        made = ws.backup_now()
    print(f"Backed up to {made.path}")
    return 0


def _restore(args) -> int:
    from core.workspace.backup import restore_database

    restored = restore_database(args.workspace, args.source)
    print(f"Restored {args.workspace}/workspace.db from {restored.source}.")
    if restored.replaced is not None:
        print(f"The replaced database is kept in {restored.replaced}.")
    print("Executions recorded after that backup are not in it; their report folders are "
          "still on disk.")
    return 0
