"""Read a site's configuration from its folder and the environment.

A site lives in ``sites/<name>/``: ``site_config.json`` contains its settings, and
the embedded default also keeps its SQLite file, uploads and logs there. An
environment variable of the same name in upper case wins over the file, so
``DATABASE_URL=mysql://... make run`` points the default site at MariaDB.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[3]
SITES_DIR = Path(os.environ.get("LQ_SITES_DIR", PROJECT_ROOT / "sites"))
CONFIG_FILE_NAME = "site_config.json"

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class ConfigError(Exception):
    """A site setting is missing or has a value that cannot be used."""


@dataclass
class SiteConfig:
    """The settings of one site, read from its file with environment overrides."""

    name: str
    path: Path
    values: dict[str, Any] = field(default_factory=dict)

    def raw(self, key: str) -> Any:
        env_value = os.environ.get(key.upper())
        if env_value is not None:
            return env_value

        return self.values.get(key.lower())

    def string(self, key: str, default: str | None = None) -> str:
        value = self.raw(key)
        if value is None or value == "":
            if default is None:
                raise ConfigError(
                    f"Setting {key!r} is missing: set {key.upper()} in the "
                    f"environment or {key.lower()!r} in {self.file}."
                )
            return default

        return str(value)

    def optional_string(self, key: str) -> str | None:
        value = self.raw(key)
        if value is None or value == "":
            return None

        return str(value)

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value

        word = str(value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False

        raise ConfigError(
            f"Setting {key!r} has the invalid value {value!r}: use true or false."
        )

    def integer(self, key: str, default: int) -> int:
        value = self.raw(key)
        if value is None or value == "":
            return default

        try:
            return int(value)
        except (TypeError, ValueError):
            raise ConfigError(
                f"Setting {key!r} has the invalid value {value!r}: use a whole number."
            ) from None

    def string_list(self, key: str, default: list[str]) -> list[str]:
        value = self.raw(key)
        if value is None:
            return default
        if isinstance(value, list):
            return [str(item) for item in value]

        return [item.strip() for item in str(value).split(",") if item.strip()]

    @property
    def file(self) -> Path:
        return self.path / CONFIG_FILE_NAME


def load_site(name: str | None = None) -> SiteConfig:
    """Load the named site, or the one in ``LQ_SITE``, or ``default``."""
    site_name = name or os.environ.get("LQ_SITE", "default")
    site_path = SITES_DIR / site_name
    config_file = site_path / CONFIG_FILE_NAME
    if not config_file.exists():
        return SiteConfig(name=site_name, path=site_path)

    try:
        values = json.loads(config_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ConfigError(f"{config_file} is not valid JSON: {error}") from None
    if not isinstance(values, dict):
        raise ConfigError(f"{config_file} must contain a JSON object.")

    return SiteConfig(name=site_name, path=site_path, values=values)


def create_site(name: str) -> tuple[Path, bool]:
    """Create a site folder with a generated secret key unless it exists."""
    site_path = SITES_DIR / name
    config_file = site_path / CONFIG_FILE_NAME
    for folder in (site_path, site_path / "logs", site_path / "media"):
        folder.mkdir(parents=True, exist_ok=True)
    if config_file.exists():
        return config_file, False

    values = {
        "secret_key": secrets.token_urlsafe(50),
        "debug": True,
        "allowed_hosts": ["127.0.0.1", "localhost"],
    }
    config_file.write_text(json.dumps(values, indent=2) + "\n", encoding="utf-8")
    config_file.chmod(0o600)
    return config_file, True


def main(argv: list[str] | None = None) -> None:
    """Create a site from the command line: ``python -m lq_crm.config NAME``."""
    import argparse

    parser = argparse.ArgumentParser(description="Create a site folder and config.")
    parser.add_argument("name", nargs="?", default="default", help="site name")
    arguments = parser.parse_args(argv)
    config_file, created = create_site(arguments.name)
    print(f"{'Created' if created else 'Kept'} {config_file}")


if __name__ == "__main__":
    main()
