"""``naut``: the Nautilus Platform command line."""

from __future__ import annotations

import typer

from nautilus_platform import __version__

app = typer.Typer(
    name="naut", help="Nautilus Platform: exact, fast, deterministic algorithmic trading.", no_args_is_help=True
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"naut {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Nautilus Platform."""
