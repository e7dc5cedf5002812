"""``sousveillance bench``: benchmarks that print figures (never timed tests)."""

from __future__ import annotations

import click

from sousveillance.lazy import LazyGroup

BENCHES = {
    "loop": ("sousveillance.device.bench.loop:loop", "Survey loop fps next to bare model.predict, and peak memory."),
    "detect": ("sousveillance.device.bench.detect:detect",
               "Cameras found per schedule on walks with truth, cost vs bare model."),
    "geolocate": ("sousveillance.device.bench.geolocate:geolocate", "Geolocation error on simulated walks with truth."),
    "server": ("sousveillance.sync.server.bench:bench_server", "Campaign server submissions/s and p99 latency."),
    "review": ("sousveillance.device.bench.review:review",
               "Taps per camera and cameras per minute on the review page."),
}


@click.group(cls=LazyGroup, lazy=BENCHES, invoke_without_command=True)
@click.pass_context
def bench(ctx: click.Context) -> None:
    """Benchmarks that print figures measured on this machine (default: the survey loop).

    \b
    Examples:
      sousveillance bench              # same as: sousveillance bench loop
      sousveillance bench loop --frames 120
      sousveillance bench detect
      sousveillance bench geolocate
      sousveillance bench review
    """
    if ctx.invoked_subcommand is None:
        assert isinstance(ctx.command, click.Group)
        loop = ctx.command.get_command(ctx, "loop")
        assert loop is not None
        ctx.invoke(loop)
