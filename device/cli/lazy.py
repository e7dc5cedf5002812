"""Click groups whose sub-commands are imported only when run (click's documented lazy-loading pattern).

``--help`` lists every command from a table of one-line helps without importing Ultralytics, Starlette or
Blender. A command whose module (or a module it needs) is not installed still shows in the list, and says
which Python module is missing and which extra brings it; so does a command that reaches for an extra's library
while it runs (``MissingExtraError``, see ``sousveillance.device.extras``).
"""

from __future__ import annotations

import importlib

import click

from sousveillance.device.extras import EXTRA_OF, MissingExtraError, install_hint


class LazyGroup(click.Group):
    """A click group with ``lazy={name: ("module:attribute", one-line help)}`` next to its ordinary commands."""

    def __init__(self, *args, lazy: dict[str, tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self._lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._lazy))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self._lazy:
            return super().get_command(ctx, name)
        target, help_text = self._lazy[name]
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if not exc.name or exc.name.split(".")[0] == "sousveillance":
                raise  # our own module is missing: a broken installation, not an optional extra
            return unavailable(f"{ctx.command_path} {name}", name, help_text, exc.name)
        return getattr(module, attr)

    def invoke(self, ctx: click.Context):  # whatever the command returns
        # A command that needs a library of an extra the user did not install: one line naming the extra, exit 1.
        try:
            return super().invoke(ctx)
        except MissingExtraError as exc:
            raise click.ClickException(str(exc)) from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max((len(n) for n in self.list_commands(ctx)), default=0)
        rows = [(n, c.get_short_help_str(limit)) for n, c in self.commands.items() if not c.hidden]
        rows += [(name, help_text) for name, (_, help_text) in self._lazy.items()]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(sorted(rows))


def unavailable(path: str, name: str, help_text: str, missing: str) -> click.Command:
    """A stand-in command saying that ``missing`` (a Python module) is needed, and how to get it."""
    extra = EXTRA_OF.get(missing.split(".")[0])
    how = f" ({install_hint(extra)})" if extra else ""
    message = f"'{path}' is not available in this installation: it needs the Python module '{missing}'{how}"

    @click.command(
        name=name,
        help=f"{help_text}\n\n(Not available here: needs the Python module '{missing}'{how}.)",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )
    def _cmd() -> None:
        raise click.ClickException(message)

    return _cmd
