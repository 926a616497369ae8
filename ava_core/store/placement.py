"""Where the SQLite file may live: on Azure, an absolute path on an Azure Files mount, in the
rollback journal, on a share that passes SQLite's locks to the server.

Two facts from outside AVA decide this. In Azure the app's own folder (``wwwroot``) is
read-only when it runs from a package, and every instance has its own local disk, so the
store must be on the share every instance mounts. And SQLite's WAL needs shared memory that
SMB does not give, while its rollback journal relies on byte-range locks that the CIFS mount
option ``nobrl`` keeps on the client: two instances would each believe they hold the lock.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from loguru import logger

from ava_core.errors import StoreError

# Set by the App Service platform on every Azure Functions plan (WEBSITE_INSTANCE_ID is absent
# on Linux Consumption and Flex Consumption, WEBSITE_SITE_NAME is not). Core Tools' `func
# start` sets neither (it sets WEBSITE_HOSTNAME=localhost:7071, so that one proves nothing).
AZURE_MARKERS = ("WEBSITE_INSTANCE_ID", "WEBSITE_SITE_NAME")
# Set by Core Tools: a local host, whatever else was copied into local.settings.json.
CORE_TOOLS = "FUNCTIONS_CORETOOLS_ENVIRONMENT"
# The app's folder in Azure (Core Tools sets AzureWebJobsScriptRoot to the project folder).
APP_ROOT = "/home/site/wwwroot"
NETWORK_FILE_SYSTEMS = frozenset({"cifs", "smb3", "smbfs", "nfs", "nfs4"})
# An instance's own disk: a store here is seen by that instance alone, and lost with it.
LOCAL_FILE_SYSTEMS = frozenset({"ext2", "ext3", "ext4", "xfs", "btrfs", "zfs", "overlay", "tmpfs"})
MOUNTS = Path("/proc/self/mounts")
# How the kernel writes a space, tab, newline and backslash in a mount point (fstab(5)).
_MOUNT_ESCAPES = (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\"))


def running_in_azure(environ: Mapping[str, str] = os.environ) -> bool:
    """True on the Azure Functions platform, False under Core Tools or anywhere else."""
    if environ.get(CORE_TOOLS):
        return False
    return any(environ.get(name) for name in AZURE_MARKERS)


def db_path_problem(path: Path, environ: Mapping[str, str] = os.environ) -> str | None:
    """Why ``AVA_DB_PATH`` cannot hold the store on this host, or None."""
    if not running_in_azure(environ):
        return None
    example = "e.g. /mnt/ava/ava.sqlite3 for a share mounted at /mnt/ava"
    if not path.is_absolute():
        return (f"AVA_DB_PATH is {str(path)!r}, relative to the app's read-only folder on Azure: set it to an "
                f"absolute path on the Azure Files mount ({example})")
    root = environ.get("AzureWebJobsScriptRoot") or APP_ROOT
    if path.is_relative_to(root):
        return (f"AVA_DB_PATH {str(path)!r} is inside the app's folder {root}, which is replaced on each deployment "
                f"and read-only when run from a package: put it on the Azure Files mount ({example})")
    return None


def network_share_problem(network_share: bool, environ: Mapping[str, str] = os.environ) -> str | None:
    """Why ``AVA_DB_NETWORK_SHARE`` is wrong for this host, or None."""
    if running_in_azure(environ) and not network_share:
        return ("AVA_DB_NETWORK_SHARE must be true on Azure: the store lives on an Azure Files (SMB) share, where "
                "WAL's shared memory does not work across instances and the rollback journal is needed")
    return None


@dataclass(frozen=True)
class Mount:
    point: str
    fs_type: str
    options: frozenset[str]


def mount_of(path: Path, mounts: str) -> Mount | None:
    """The mount (from ``/proc/self/mounts`` text) that holds ``path``: the longest matching mount point."""
    best: Mount | None = None
    target = PurePosixPath(os.path.abspath(path))
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        # The kernel escapes spaces and tabs in mount points as octal (\040, \011).
        point = fields[1]
        for escaped, char in _MOUNT_ESCAPES:
            point = point.replace(escaped, char)
        if target.is_relative_to(point) and (best is None or len(point) > len(best.point)):
            best = Mount(point, fields[2], frozenset(fields[3].split(",")))
    return best


def check_share(path: Path, *, mounts_file: Path | None = None) -> None:
    """Refuse a store on a share mounted with ``nobrl``, and on Azure one on the instance's own
    disk; warn when it is on no network share that this knows.

    Only Linux says how a folder is mounted; elsewhere there is nothing to check.
    """
    mounts_file = mounts_file or MOUNTS
    if not sys.platform.startswith("linux") or not mounts_file.exists():
        return
    try:
        mount = mount_of(path, mounts_file.read_text())
    except OSError:
        return
    if mount is None:
        return
    if "nobrl" in mount.options:
        raise StoreError(
            f"the store {path} is on {mount.point}, mounted with 'nobrl': SQLite's locks stay on this machine, so "
            "two instances could write at once and corrupt it. Mount the share without nobrl (SQLite needs the "
            "server to hold its byte-range locks)"
        )
    if mount.fs_type in LOCAL_FILE_SYSTEMS and running_in_azure():
        raise StoreError(
            f"AVA_DB_PATH {path} is on this instance's own disk ({mount.fs_type} at {mount.point}), which other "
            "instances do not see and which is lost on restart: set it to a path on the Azure Files mount"
        )
    if mount.fs_type not in NETWORK_FILE_SYSTEMS:
        logger.warning("AVA_DB_NETWORK_SHARE is true but the store {} is on a {} file system ({}), not a network "
                       "share: other instances will not see it", path, mount.fs_type, mount.point)
