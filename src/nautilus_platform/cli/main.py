"""``naut``: the Nautilus Platform command line."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from nautilus_platform import __version__

app = typer.Typer(
    name="naut", help="Nautilus Platform: exact, fast, deterministic algorithmic trading.", no_args_is_help=True
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"naut {__version__}")
        raise typer.Exit()


def _add_subcommands() -> None:
    from nautilus_platform.cli.backtest import backtest
    from nautilus_platform.cli.data import app as data_app
    from nautilus_platform.cli.sweep import sweep

    app.add_typer(data_app, name="data")
    app.command()(backtest)
    app.command()(sweep)


_add_subcommands()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Nautilus Platform."""


_DEMO_REPORT = typer.Option(Path("demo-report.html"), help="Where to write the HTML report.")


@app.command()
def demo(
    seed: int = typer.Option(7, help="Seed of the market simulator (same seed, same bars, same trades)."),
    bars: int = typer.Option(20_000, min=100, help="Simulated one-minute bars."),
    report: Path = _DEMO_REPORT,
) -> None:
    """Backtest the moving-average crossover on SYNTHETIC simulated bars; print a summary, write a report."""
    from nautilus_platform.cli.backtest import summary_table
    from nautilus_platform.service.backtest_demo import BacktestDemoConfig, run_backtest_demo

    console = Console(width=140)
    result = run_backtest_demo(BacktestDemoConfig(seed=seed, bars=bars, report=report))
    console.print(summary_table(result))
    for note in result.notes:
        console.print(f"note: {note}", highlight=False)
    console.print(f"report: {report}", highlight=False)


@app.command("paper-demo")
def paper_demo(
    seed: int = typer.Option(7, help="Seed of the synthetic quote walk (same seed, same session)."),
    steps: int = typer.Option(600, min=320, help="Quotes per instrument, one second apart."),
) -> None:
    """Run a scripted paper session through the trading core and print orders, fills, positions, account."""
    from nautilus_platform.cli.render import render_demo
    from nautilus_platform.service.demo import DemoConfig, run_demo

    result = run_demo(DemoConfig(seed=seed, steps=steps))
    render_demo(result, Console(width=160))


if __name__ == "__main__":  # pragma: no cover
    app()
