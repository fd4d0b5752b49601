"""The roles extra: what a trained role model needs beyond Groundswell's core.

``pip install groundswell`` measures roles with the transparent rules (an uncorrected count);
a model trained on labels (``groundswell roles train``, ``roles evaluate``, ``roles
estimate``, a campaign's ``[roles] model``) needs scikit-learn, and the corrected shares
(PACC/ACC) need QuaPy: ``pip install 'groundswell[roles]'``. Each place that imports them asks
:func:`require_roles_extra` first, so a missing package is one clear sentence, not a traceback
from inside a pickle.
"""

from __future__ import annotations

import importlib.util

from groundswell.store import StoreError

__all__ = ["INSTALL", "MODULES", "ExtraMissing", "require_roles_extra"]

INSTALL = "pip install 'groundswell[roles]'"
#: The import names of the roles extra's packages (pyproject's ``roles``).
MODULES = {"sklearn": "scikit-learn", "quapy": "QuaPy"}


class ExtraMissing(StoreError, ImportError):
    """An optional extra is not installed; the message names it and the command installing it.

    An :class:`ImportError` for Python callers, and an error the CLI prints as one line."""


def _present(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a broken parent, or sys.modules[module] is None
        return False


def require_roles_extra(purpose: str = "a roles model") -> None:
    """Raise :class:`ExtraMissing` unless scikit-learn and QuaPy can be imported (checked
    without importing them: QuaPy alone takes seconds)."""
    missing = [name for module, name in MODULES.items() if not _present(module)]
    if missing:
        raise ExtraMissing(f"{purpose} needs the roles extra: {INSTALL} "
                           f"({' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} "
                           "not installed)")
