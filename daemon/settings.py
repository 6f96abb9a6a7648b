"""Start-up settings: ``env.yaml`` plus ``DSCO_LINGXING_<SECTION>__<KEY>`` overrides.

Loaded once at start. Every model forbids unknown keys so a typo is an error, not a silently
ignored setting; secrets are ``SecretStr`` so they never print by accident.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

ENV_PREFIX = "DSCO_LINGXING_"
CONFIG_ENV = "DSCO_LINGXING_CONFIG"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown timezone {value!r}") from exc
    return value


class BaseSettings(_Strict):
    listen_addr: str = "127.0.0.1:8080"
    env: Literal["dev", "test", "release"] = "dev"
    state_dir: Path = Path("./var")

    @field_validator("listen_addr")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError("expected host:port, e.g. 127.0.0.1:8080")
        return value

    @property
    def host(self) -> str:
        return self.listen_addr.rpartition(":")[0].strip("[]")

    @property
    def port(self) -> int:
        return int(self.listen_addr.rpartition(":")[2])


class DscoAuth(_Strict):
    token: SecretStr | None = None


class LingxingAuth(_Strict):
    app_id: SecretStr | None = None
    app_secret: SecretStr | None = None

    @field_validator("app_id")
    @classmethod
    def _aes_key_length(cls, value: SecretStr | None) -> SecretStr | None:
        # The app id is the AES key of the request signature: only 16/24/32 bytes work.
        length = len(value.get_secret_value().encode()) if value is not None else 0
        if length not in (0, 16, 24, 32):
            raise ValueError("must be 16, 24 or 32 bytes long (it is the AES key of the sign)")
        return value


class AuthSettings(_Strict):
    dsco: DscoAuth = DscoAuth()
    lingxing: LingxingAuth = LingxingAuth()


class DscoIntegration(_Strict):
    base_url: str = "https://api.dsco.io/api/v3"


class LingxingIntegration(_Strict):
    base_url: str = "https://openapi.lingxing.com"
    platform_code: int | None = None
    timezone: str = "Asia/Shanghai"
    # 50 orders a create call: 20 calls for 1,000 orders instead of 1,000. Lingxing documents
    # no maximum; 50 is what its own service and this project's sandbox accept.
    create_batch: int = Field(default=50, ge=1, le=200)

    _tz = field_validator("timezone")(_check_timezone)


class IntegrationSettings(_Strict):
    dsco: DscoIntegration = DscoIntegration()
    lingxing: LingxingIntegration = LingxingIntegration()


class DbSettings(_Strict):
    dsn: SecretStr = SecretStr("")
    pool_min: int = Field(default=2, ge=1)
    pool_max: int = Field(default=10, ge=1)


class ExportSettings(_Strict):
    dir: Path | None = None
    max_range_days: int = Field(default=365, ge=1)
    cleanup_threshold_bytes: int = Field(default=104_857_600, ge=0)


class AdminSettings(_Strict):
    password: SecretStr | None = None
    display_timezone: str = "UTC"
    export: ExportSettings = ExportSettings()
    cookie_secure: bool = False
    warehouse_sync_retention_days: int = Field(default=90, ge=1)
    session_ttl_seconds: int = Field(default=12 * 3600, ge=60)
    # Reverse proxies whose X-Forwarded-For names the client (addresses or CIDR networks);
    # without them every user behind a proxy shares the proxy's address for login pacing.
    trusted_proxies: tuple[str, ...] = ()

    _tz = field_validator("display_timezone")(_check_timezone)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        # An environment override is one string: "10.0.0.1, 10.0.1.0/24".
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or network") from None
        return value

    @property
    def trusted_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [ipaddress.ip_network(entry, strict=False) for entry in self.trusted_proxies]


class ApiSettings(_Strict):
    enable: bool = False
    token: SecretStr | None = None


class LogSettings(_Strict):
    level: Literal["TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    format: Literal["auto", "journald", "json", "text"] = "auto"

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


class RuntimeSettings(_Strict):
    """Process-level knobs that are not business configuration."""

    shutdown_grace_seconds: float = Field(default=30.0, ge=0)
    job_timeout_seconds: float = Field(default=1800.0, gt=0)
    config_poll_seconds: float = Field(default=5.0, gt=0)


class Settings(_Strict):
    """The whole of ``env.yaml``."""

    base: BaseSettings = BaseSettings()
    auth: AuthSettings = AuthSettings()
    integration: IntegrationSettings = IntegrationSettings()
    db: DbSettings = DbSettings()
    admin: AdminSettings = AdminSettings()
    api: ApiSettings = ApiSettings()
    log: LogSettings = LogSettings()
    runtime: RuntimeSettings = RuntimeSettings()

    @model_validator(mode="after")
    def _cross_field(self) -> Settings:
        if self.api.enable and not _secret(self.api.token):
            raise ValueError("api.token: required when api.enable is true")
        if self.db.pool_min > self.db.pool_max:
            raise ValueError("db.pool_min: must not exceed db.pool_max")
        pgdata = (self.base.state_dir / "pgdata").resolve()
        if pgdata.is_relative_to(self.export_dir.resolve()):
            # cleanup_exports deletes the oldest files under the export dir.
            raise ValueError("admin.export.dir: must not contain the embedded database directory")
        return self

    @property
    def export_dir(self) -> Path:
        return self.admin.export.dir or self.base.state_dir / "exports"

    @property
    def has_dsco(self) -> bool:
        return _secret(self.auth.dsco.token) != ""

    @property
    def has_admin_password(self) -> bool:
        return _secret(self.admin.password) != ""

    @property
    def has_lingxing(self) -> bool:
        lx = self.auth.lingxing
        return _secret(lx.app_id) != "" and _secret(lx.app_secret) != ""


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""


class SettingsError(Exception):
    """Invalid start-up configuration; the message names every bad field path."""


def load_settings(path: Path | None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read ``path`` (optional), apply environment overrides, validate."""
    environ = os.environ if environ is None else environ
    data = _read_yaml(path) if path is not None else {}
    overrides = _apply_env_overrides(data, environ)
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise SettingsError(_describe(exc, overrides)) from None


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SettingsError(f"{path}: not valid YAML ({exc})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: the top level must be a mapping of sections")
    return data


def _apply_env_overrides(data: dict[str, Any], environ: Mapping[str, str]) -> dict[str, str]:
    """``DSCO_LINGXING_AUTH__DSCO__TOKEN=x`` sets ``data["auth"]["dsco"]["token"] = "x"``.

    Returns the dotted path each variable set (``auth.dsco.token`` → its variable's name), so
    an error can name the variable the operator has to fix rather than a key of no file.
    """
    overrides: dict[str, str] = {}
    for name, value in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX) or name == CONFIG_ENV:
            continue
        parts = [p.lower() for p in name[len(ENV_PREFIX) :].split("__")]
        if any(not p for p in parts):
            raise SettingsError(f"{name}: malformed override name (empty section)")
        node = data
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise SettingsError(f"{name}: {part} is not a section")
            node = child
        # Plain strings: pydantic's lax mode turns "8080" / "true" into int / bool where the
        # field wants them, and a secret like "0123" stays exactly as written.
        node[parts[-1]] = value
        overrides[".".join(parts)] = name
    return overrides


def _describe(exc: ValidationError, overrides: Mapping[str, str] | None = None) -> str:
    lines = []
    for err in exc.errors():
        path = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        where = _variable_for(path, overrides or {})
        # A model-level check already names its field in the message.
        lines.append(f"{where}: {msg}" if where else msg)
    return "invalid configuration:\n  " + "\n  ".join(lines)


def _variable_for(path: str, overrides: Mapping[str, str]) -> str:
    """``path``, or ``VARIABLE (path)`` when an environment variable set it (or a part of it)."""
    for candidate, variable in overrides.items():
        if path == candidate or path.startswith(candidate + "."):
            return f"{variable} ({path})"
    return path
