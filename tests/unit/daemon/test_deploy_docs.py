"""README's systemd deploy steps, checked as written.

The ``install`` lines are run for real under a scratch root (owner and group mapped to the
current user's, since the test cannot create the service account), and the resulting modes
must let the service's group read the settings and nobody else read the secrets. The secrets
the README lists must be every secret the settings have, and with exactly those variables set
the example settings pass ``check-config``.
"""

from __future__ import annotations

import grp
import os
import re
import shlex
import stat
import subprocess
from pathlib import Path

import pytest
from pydantic import BaseModel, SecretStr

from daemon.cli import EXIT_OK, main
from daemon.settings import ENV_PREFIX, Settings

REPO = Path(__file__).resolve().parents[3]
README = (REPO / "README.md").read_text(encoding="utf-8")
UNIT = (REPO / "systemd" / "dsco-lingxing.service").read_text(encoding="utf-8")


def deploy_block() -> list[str]:
    section = README[README.index("## Deploying with systemd") :]
    block = section[section.index("```sh\n") + 6 : section.index("```\n", section.index("```sh"))]
    return block.splitlines()


def listed_secrets() -> set[str]:
    return {
        m.group(1) for m in re.finditer(r"#\s+(DSCO_LINGXING_[A-Z_]+)=", "\n".join(deploy_block()))
    }


def secret_variables(model: type[BaseModel] = Settings, prefix: str = "") -> set[str]:
    """The environment variable of every secret setting (SecretStr fields)."""
    found: set[str] = set()
    for name, info in model.model_fields.items():
        path = f"{prefix}__{name}" if prefix else name
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found |= secret_variables(annotation, path)
        elif "SecretStr" in str(annotation) or annotation is SecretStr:
            found.add(ENV_PREFIX + path.upper())
    return found


def test_every_secret_setting_is_listed_in_the_secrets_file_step() -> None:
    assert listed_secrets() == secret_variables()
    assert "DSCO_LINGXING_ADMIN__PASSWORD" in listed_secrets()


def test_paths_agree_with_the_unit() -> None:
    text = "\n".join(deploy_block())
    assert "EnvironmentFile=-/etc/dsco-lingxing/env" in UNIT
    assert "--config /etc/dsco-lingxing/env.yaml" in UNIT
    assert "/etc/dsco-lingxing/env.yaml" in text
    assert "RestartPreventExitStatus=2" in UNIT
    assert "User=dsco-lingxing" in UNIT


def _install_lines(root: Path) -> list[list[str]]:
    """The README's install commands, rooted under ``root``, run as the current user."""
    me, group = str(os.getuid()), grp.getgrgid(os.getgid()).gr_name
    commands = []
    for line in deploy_block():
        words = shlex.split(line, comments=True)
        if words[:2] != ["sudo", "install"]:
            continue
        words = words[1:]
        for i, word in enumerate(words):
            if words[i - 1] == "-o":
                words[i] = me
            elif words[i - 1] == "-g":
                words[i] = group
            elif word.startswith("/etc/"):
                words[i] = str(root) + word
            elif word == "config/env.example.yaml":
                words[i] = str(REPO / word)
        commands.append(words)
    return commands


def test_install_steps_leave_settings_group_readable_and_secrets_private(tmp_path: Path) -> None:
    commands = _install_lines(tmp_path)
    assert len(commands) == 3
    for command in commands:
        subprocess.run(command, check=True, capture_output=True)
    folder = tmp_path / "etc" / "dsco-lingxing"
    mode = stat.S_IMODE
    assert mode(folder.stat().st_mode) == 0o750  # the group may enter
    assert mode((folder / "env.yaml").stat().st_mode) == 0o640  # and read the settings
    assert mode((folder / "env").stat().st_mode) == 0o600  # the secrets: owner only
    assert "-g dsco-lingxing" in "\n".join(deploy_block())  # the group is the service's


def test_example_settings_plus_the_listed_secrets_pass_check_config(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in list(os.environ):
        if name.startswith(ENV_PREFIX):
            monkeypatch.delenv(name)
    for name in listed_secrets() - {"DSCO_LINGXING_DB__DSN", "DSCO_LINGXING_API__TOKEN"}:
        value = "0123456789abcdef" if name.endswith("APP_ID") else "s3cret-value"
        monkeypatch.setenv(name, value)
    code = main(["check-config", "--config", str(REPO / "config" / "env.example.yaml")])
    assert code == EXIT_OK
