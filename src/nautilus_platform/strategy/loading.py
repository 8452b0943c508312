"""Load a strategy class by import path (``pkg.module:ClassName``), file path
(``path/to/file.py:ClassName``) or the short name of a shipped example (``ma-cross``)."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

from nautilus_platform.core.errors import ValidationError
from nautilus_platform.strategy.base import Strategy


def load_strategy_class(spec: str) -> type[Strategy]:
    """The ``Strategy`` subclass ``spec`` names; a ``ValidationError`` says what is wrong."""
    from nautilus_platform.strategy.examples import EXAMPLES

    if spec in EXAMPLES:
        return EXAMPLES[spec]
    location, colon, name = spec.rpartition(":")
    if not colon or not location or not name:
        raise ValidationError(
            "strategy", spec, f"must be MODULE:CLASS, PATH.py:CLASS or an example ({', '.join(sorted(EXAMPLES))})"
        )
    if location.endswith(".py"):
        path = Path(location)
        if not path.is_file():
            raise ValidationError("strategy", spec, f"file {path} does not exist")
        module_name = f"naut_user_strategy_{abs(hash(path.resolve()))}"
        module_spec = importlib.util.spec_from_file_location(module_name, path)
        if module_spec is None or module_spec.loader is None:
            raise ValidationError("strategy", spec, f"cannot load {path} as Python")
        module = importlib.util.module_from_spec(module_spec)
        # as ``python path/to/file.py`` does, the file's folder comes first on ``sys.path`` so that it can
        # import a helper module next to it; only while the file is imported, so that folder cannot shadow
        # other modules later (a helper it imported stays in ``sys.modules``, as any imported module does)
        folder = str(path.resolve().parent)
        sys.modules[module_name] = module
        sys.path.insert(0, folder)
        try:
            module_spec.loader.exec_module(module)
        except KeyboardInterrupt:
            sys.modules.pop(module_name, None)
            raise
        except BaseException as exc:  # ``sys.exit()`` in the file too: a bad file must not end the process
            sys.modules.pop(module_name, None)
            raise ValidationError("strategy", spec, f"importing {path} failed: {_describe(exc)}") from exc
        finally:
            if folder in sys.path:
                sys.path.remove(folder)
    else:
        try:
            module = importlib.import_module(location)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            raise ValidationError("strategy", spec, f"importing {location} failed: {_describe(exc)}") from exc
    found = getattr(module, name, None)
    if found is Strategy:
        raise ValidationError("strategy", spec, f"{name} is the Strategy base class itself: name a subclass of it")
    if not isinstance(found, type) or not issubclass(found, Strategy):
        defined = sorted(
            key for key, value in vars(module).items()
            if isinstance(value, type) and issubclass(value, Strategy) and value is not Strategy
        )  # fmt: skip
        has = f"its Strategy subclasses: {', '.join(defined)}" if defined else "it has no Strategy subclass"
        raise ValidationError("strategy", spec, f"{name} is not a Strategy subclass in {location} ({has})")
    return found


def _describe(exc: BaseException) -> str:
    """``SystemExit: 3``; a bare ``sys.exit()`` or ``raise SystemExit`` is ``SystemExit`` alone."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
