"""Patterns several rules recognise. Not a rule: the registry skips `_` modules."""

import ast


def shifted_by_max(expr, ctx, scope) -> bool:
    """`x - max(x, ...)`: the stable, max-shifted form, also through a name
    (`m = x.max(...)` ... `exp(x - m)`). A subtraction of a value the dataflow cannot see (a
    parameter, an attribute set elsewhere) may be that shift, so it counts as one."""
    shifted = ctx.origin(expr, scope)
    shift = shifted.op
    if shift is None or shift.kind != "sub":
        return False
    origin = ctx.origin(shift.right, shifted.scope)
    subtrahend = origin.expr
    if isinstance(subtrahend, ast.Subscript):  # torch.max(x, dim)[0]
        subtrahend = subtrahend.value
    if isinstance(subtrahend, ast.Attribute) and subtrahend.attr == "values":
        subtrahend = subtrahend.value
    if isinstance(subtrahend, (ast.Name, ast.Attribute)) and ctx.op(subtrahend) is None:
        return True  # unknown: perhaps a maximum
    maximum = ctx.op(subtrahend, origin.scope)
    return maximum is not None and maximum.kind == "max"
