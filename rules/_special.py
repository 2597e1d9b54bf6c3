"""Helpers of the special-function rules (NL508-NL514). Not a rule: the registry skips `_`
modules."""

import ast


def framework(ctx, *ops):
    """The library a fix writes in: the one every called operation comes from (Python's
    `math` included, so scalar code stays scalar code: `math.sqrt(math.exp(x))` becomes
    `math.exp(0.5 * x)`, never `np.exp(...)`, even in a module that imports NumPy), else the
    one the operations agree on. Operators (`-`, `**`) belong to no library and are skipped."""
    called = [o for o in ops if o.form != "operator"]
    found = {o.framework for o in called}
    if len(found) == 1 and None not in found:
        return found.pop()
    return ctx.framework(*called) if called else None


def number(node):
    """The value of a numeric literal (`1`, `1.0`, `-0.5`), None for anything else."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = number(node.operand)
        if value is None:
            return None
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    return None


# Parents whose parentheses around a child can only be grouping parentheses.
_GROUPING_PARENTS = (ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.Attribute)


def without_parentheses(ctx, node, fix):
    """`fix`, replacing also the grouping parentheses right around `node` when its replacement
    is a call or a name, which needs none: `0.5 * (1 - erf(z))` becomes `0.5 * erfc(z)`, not
    `0.5 * (erfc(z))`."""
    if fix is None or not isinstance(ctx.model.parent_of(node), _GROUPING_PARENTS):
        return fix
    start, end = ctx.source.node_range(node)
    text = ctx.source.text
    first = fix.edits[0]
    if (first.start, first.end) != (start, end) or text[start - 1:start] != "(" \
            or text[end:end + 1] != ")":
        return fix
    try:
        replaced = ast.parse(first.content, mode="eval").body
    except SyntaxError:
        return fix
    if not isinstance(replaced, (ast.Call, ast.Name, ast.Attribute, ast.Subscript)):
        return fix
    widened = type(first)(start - 1, end + 1, first.content)
    return type(fix)(fix.applicability, fix.message, (widened,) + fix.edits[1:])


def negation_unwrapped(ctx, node, fix):
    """`fix` without the parentheses `ctx.fix` put around a negated replacement (`-f(x)`) that
    is an operand of a binary operator other than `**`, where a unary minus needs none:
    `-m * log(m) - ...` becomes `-xlogy(m, m) - ...`, not `(-xlogy(m, m)) - ...`."""
    if fix is None:
        return fix
    parent = ctx.model.parent_of(node)
    first = fix.edits[0]
    text = first.content
    if not (isinstance(parent, (ast.BinOp, ast.Compare, ast.BoolOp))
            and not (isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Pow))
            and text.startswith("(-") and text.endswith(")")):
        return fix
    try:
        inner = ast.parse(text[1:-1], mode="eval").body
    except SyntaxError:
        return fix
    if not (isinstance(inner, ast.UnaryOp) and isinstance(inner.op, ast.USub)):
        return fix
    edit = type(first)(first.start, first.end, text[1:-1])
    return type(fix)(fix.applicability, fix.message, (edit,) + fix.edits[1:])


def defines(ctx, op, *names) -> bool:
    """Whether `op` is part of a definition of one of the stable functions `names` itself:
    inside a function whose name contains one (`def erfc(x): return 1 - erf(x)`, a fallback
    where a library has none), or in a statement that names one
    (`def_comp(lax.erfc_p, lambda x: 1 - lax.erf(x))`, JAX's Taylor rule for `erfc`). A
    rewrite there would call the function being defined."""
    scope = op.scope
    while scope is not None:
        name = getattr(scope.node, "name", "")
        if any(n in name.lower() for n in names):
            return True
        scope = scope.parent
    statement = ctx.model.statement_of(op.node)
    if statement is None:
        return False
    for node in ast.walk(statement):
        identifier = node.id if isinstance(node, ast.Name) else \
            node.attr if isinstance(node, ast.Attribute) else ""
        if any(n in identifier.lower() for n in names):
            return True
    return False


def square_base(ctx, expr, scope):
    """`(x, op)` for `x**2`, `x * x`, `square(x)`, `pow(x, 2)` or `x.pow(2)` (op: the squaring
    operation), None for anything else."""
    op = ctx.op(expr, scope)
    if op is None:
        return None
    if op.kind == "square":
        return (op.operand, op) if op.operand is not None and op.is_plain() else None
    if op.kind == "mul":
        return (op.left, op) if ctx.same(op.left, op.right) else None
    if op.kind != "pow":
        return None
    if op.form == "operator":
        base, exponent = op.left, op.right
    else:
        extra = op.extra_args()
        if len(extra) != 1:
            return None
        base, exponent = op.operand, op.arg(extra[0])
    return (base, op) if base is not None and number(exponent) == 2 else None


def root_base(op):
    """The `y` of `sqrt(y)`, `y ** 0.5`, `pow(y, 0.5)` or `y.pow(0.5)`; None otherwise (a
    square root or power with any argument besides its base and exponent included)."""
    if op.kind == "sqrt":
        return op.operand if op.is_plain() else None
    if op.kind != "pow":
        return None
    if op.form == "operator":
        base, exponent = op.left, op.right
    else:
        extra = op.extra_args()
        if len(extra) != 1:
            return None
        base, exponent = op.operand, op.arg(extra[0])
    value = number(exponent)
    return base if type(value) is float and value == 0.5 else None


def constant(ctx, node, scope, depth=4):
    """The value of a constant expression: numbers, `+ - * /` and names assigned one."""
    value = number(node)
    if value is not None or depth == 0:
        return value
    if isinstance(node, ast.Name):
        origin = ctx.origin(node, scope)
        return None if origin.expr is node else constant(ctx, origin.expr, origin.scope,
                                                          depth - 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
        left = constant(ctx, node.left, scope, depth - 1)
        right = constant(ctx, node.right, scope, depth - 1)
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Add):
            return left + right
        return left - right if isinstance(node.op, ast.Sub) else left * right
    return None
