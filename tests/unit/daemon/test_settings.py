from __future__ import annotations

from pathlib import Path

import pytest

from daemon.cli import EXIT_CONFIG, EXIT_OK, main
from daemon.settings import SettingsError, load_settings

REPO = Path(__file__).resolve().parents[3]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "env.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("yaml_text", "field"),
    [
        ("base:\n  listen_adr: 1.2.3.4:80\n", "base.listen_adr"),
        ("db:\n  pool_max: lots\n", "db.pool_max"),
        (
            "integration:\n  lingxing:\n    timezone: Mars/Olympus\n",
            "integration.lingxing.timezone",
        ),
        ("admin:\n  display_timezone: Nowhere\n", "admin.display_timezone"),
        ("auth:\n  lingxing:\n    app_id: short\n", "auth.lingxing.app_id"),
        ("api:\n  enable: true\n", "api.token"),
        ("base:\n  listen_addr: nohost\n", "base.listen_addr"),
        ("- just\n- a list\n", "top level"),
        ("base:\n  state_dir: /srv/x\nadmin:\n  export:\n    dir: /srv\n", "admin.export.dir"),
    ],
)
def test_bad_env_yaml_exits_2_and_names_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], yaml_text: str, field: str
) -> None:
    code = main(["--config", str(_write(tmp_path, yaml_text)), "check-config"])
    assert code == EXIT_CONFIG
    assert field in capsys.readouterr().err


def test_example_file_documents_every_key() -> None:
    from daemon.settings import Settings

    text = (REPO / "config/env.example.yaml").read_text()

    def keys(model: type, prefix: str = "") -> list[str]:
        out = []
        for name, info in model.model_fields.items():  # type: ignore[attr-defined]
            sub = info.annotation
            if isinstance(sub, type) and hasattr(sub, "model_fields"):
                out += keys(sub, f"{prefix}{name}.")
            else:
                out.append(f"{prefix}{name}")
        return out

    missing = [k for k in keys(Settings) if f"{k.rsplit('.', 1)[-1]}:" not in text]
    assert missing == []


def test_env_overrides_win_and_keep_strings(tmp_path: Path) -> None:
    path = _write(tmp_path, "db:\n  pool_max: 4\n")
    settings = load_settings(
        path,
        {
            "DSCO_LINGXING_DB__POOL_MAX": "7",
            "DSCO_LINGXING_AUTH__DSCO__TOKEN": "0123",
            "DSCO_LINGXING_ADMIN__COOKIE_SECURE": "true",
        },
    )
    assert settings.db.pool_max == 7
    assert settings.auth.dsco.token is not None
    assert settings.auth.dsco.token.get_secret_value() == "0123"
    assert settings.admin.cookie_secure is True


def test_unknown_override_is_an_error() -> None:
    with pytest.raises(SettingsError, match=r"base\.nope"):
        load_settings(None, {"DSCO_LINGXING_BASE__NOPE": "1"})


def test_secrets_never_print(tmp_path: Path) -> None:
    settings = load_settings(None, {"DSCO_LINGXING_AUTH__DSCO__TOKEN": "tok-SECRET-123"})
    assert "tok-SECRET-123" not in repr(settings)
    assert "tok-SECRET-123" not in str(settings.model_dump())


def test_check_config_accepts_a_complete_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "admin:\n  password: pw\n")
    assert main(["--config", str(path), "check-config"]) == EXIT_OK
    assert "OK" in capsys.readouterr().out


def test_a_bad_override_is_reported_by_its_variable() -> None:
    env = {"DSCO_LINGXING_DB__POOL_MIN": "many", "DSCO_LINGXING_ADMIN__TRUSTED_PROXIES": "x"}
    with pytest.raises(SettingsError) as info:
        load_settings(None, env)
    text = str(info.value)
    assert "DSCO_LINGXING_DB__POOL_MIN (db.pool_min):" in text
    assert "DSCO_LINGXING_ADMIN__TRUSTED_PROXIES (admin.trusted_proxies):" in text
    with pytest.raises(SettingsError) as info:
        load_settings(None, {"DSCO_LINGXING_DB__POOLMIN": "3"})
    assert "DSCO_LINGXING_DB__POOLMIN (db.poolmin):" in str(info.value)


def test_trusted_proxies_from_the_environment_are_a_comma_list() -> None:
    env = {"DSCO_LINGXING_ADMIN__TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8"}
    settings = load_settings(None, env)
    assert [str(n) for n in settings.admin.trusted_networks] == ["127.0.0.1/32", "10.0.0.0/8"]
