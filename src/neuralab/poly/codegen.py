"""Source code for a fitted polynomial in Python, JavaScript, C or Java
(:meth:`PolyFit.to_code`)."""

from __future__ import annotations

import keyword
import re
from typing import Protocol

import numpy as np

from ..checks import check_choice


class _Fitted(Protocol):
    """What the code generator reads of a fit (a :class:`~neuralab.poly.PolyFit` has it all);
    a protocol, so that this module does not import polyfit.py, which imports it."""

    @property
    def degree(self) -> int: ...
    @property
    def coefficients(self) -> np.ndarray: ...
    @property
    def t_coefficients(self) -> np.ndarray: ...
    @property
    def center(self) -> float: ...
    @property
    def scale(self) -> float: ...
    @property
    def l2(self) -> float: ...
    @property
    def l1(self) -> float: ...
    @property
    def n(self) -> int: ...


LANGUAGES = ("python", "javascript", "c", "java")
_LANG_ALIASES = {"py": "python", "js": "javascript", "python": "python",
                 "javascript": "javascript", "c": "c", "java": "java"}


def _to_code(f: _Fitted, lang: str, name: str, centered: bool) -> str:
    """The body of :meth:`PolyFit.to_code` (see there)."""
    key = _LANG_ALIASES.get(lang.lower()) if isinstance(lang, str) else None
    if key is None:  # any case, and py / js, are accepted too; the message lists the names
        key = check_choice("lang", lang, LANGUAGES)
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) \
            or keyword.iskeyword(name):
        raise ValueError(f"name={name!r} must be an identifier, e.g. 'poly'")
    coef = f.t_coefficients if centered else f.coefficients
    if not np.all(np.isfinite(coef)):
        raise ValueError("the coefficients in powers of x overflow; use centered=True")
    lits = [_literal(c) for c in coef]
    d = f.degree
    if centered:
        var = "t"
        about = f"t = (x - {_literal(f.center)}) / {_literal(f.scale)}"
    else:
        var, about = "x", "x"
    doc = [f"Degree-{d} polynomial fitted by neuralab (n={f.n}, l2={f.l2!r}, "
           f"l1={f.l1!r}).",
           f"Horner's rule in {about}; c[k] is the coefficient of {var}^k."]
    return _EMITTERS[key](name, lits, d, var, doc, _literal(f.center),
                          _literal(f.scale), centered)


def _literal(v: float) -> str:
    """17 significant digits, always a floating literal (``6`` -> ``6.0``)."""
    text = f"{float(v):.17g}"
    return text if any(ch in text for ch in ".en") else text + ".0"


def _python(name: str, lits: list[str], d: int, var: str, doc: list[str], center: str,
            scale: str, centered: bool) -> str:
    lines = [f"def {name}(x):", f'    """{doc[0]}', "", *(f"    {t}" for t in doc[1:]),
             '    """', "    c = ("]
    lines += [f"        {lit},  # {var}^{k}" for k, lit in enumerate(lits)]
    lines.append("    )")
    if d == 0:
        return "\n".join([*lines, "    return c[0]", ""])
    if centered:
        lines.append(f"    t = (x - {center}) / {scale}")
    lines += ["    y = c[-1]", "    for a in c[-2::-1]:", f"        y = y * {var} + a",
              "    return y", ""]
    return "\n".join(lines)


def _braced(lits: list[str], var: str, indent: str, comment: str) -> list[str]:
    """One coefficient per line, each followed by a comment naming its power."""
    last = len(lits) - 1
    return [f"{indent}{lit}{',' if k < last else ''}  {comment.format(f'{var}^{k}')}"
            for k, lit in enumerate(lits)]


def _javascript(name: str, lits: list[str], d: int, var: str, doc: list[str], center: str,
                scale: str, centered: bool) -> str:
    lines = ["/**", *(f" * {t}" for t in doc), " */", f"function {name}(x) {{",
             "  const c = [", *_braced(lits, var, "    ", "// {}"), "  ];"]
    if d == 0:
        return "\n".join([*lines, "  return c[0];", "}", ""])
    if centered:
        lines.append(f"  const t = (x - {center}) / {scale};")
    lines += [f"  let y = c[{d}];", f"  for (let i = {d - 1}; i >= 0; i--) {{",
              f"    y = y * {var} + c[i];", "  }", "  return y;", "}", ""]
    return "\n".join(lines)


def _c(name: str, lits: list[str], d: int, var: str, doc: list[str], center: str, scale: str,
       centered: bool) -> str:
    lines = ["/*", *(f" * {t}" for t in doc), " */", f"double {name}(double x)", "{",
             f"    static const double c[{d + 1}] = {{",
             *_braced(lits, var, "        ", "/* {} */"), "    };"]
    if d == 0:
        return "\n".join([*lines, "    (void)x;", "    return c[0];", "}", ""])
    if centered:
        lines.append(f"    const double t = (x - {center}) / {scale};")
    lines += [f"    double y = c[{d}];", f"    for (int i = {d - 1}; i >= 0; --i) {{",
              f"        y = y * {var} + c[i];", "    }", "    return y;", "}", ""]
    return "\n".join(lines)


def _java(name: str, lits: list[str], d: int, var: str, doc: list[str], center: str,
          scale: str, centered: bool) -> str:
    lines = ["/**", *(f" * {t}" for t in doc), " */", f"public static double {name}(double x) {{",
             "    final double[] c = {", *_braced(lits, var, "        ", "// {}"), "    };"]
    if d == 0:
        return "\n".join([*lines, "    return c[0];", "}", ""])
    if centered:
        lines.append(f"    final double t = (x - {center}) / {scale};")
    lines += [f"    double y = c[{d}];", f"    for (int i = {d - 1}; i >= 0; --i) {{",
              f"        y = y * {var} + c[i];", "    }", "    return y;", "}", ""]
    return "\n".join(lines)


_EMITTERS = {"python": _python, "javascript": _javascript, "c": _c, "java": _java}
