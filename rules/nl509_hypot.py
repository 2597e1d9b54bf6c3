"""NL509 hypot: `sqrt(x**2 + y**2)` instead of `hypot(x, y)`."""

from numlint.engine.rule import Applicability, Fixability, Proof, Rule, bad, good

from ._special import constant, defines, framework, root_base, square_base


class Hypot(Rule):
    code = "NL509"
    name = "hypot"
    summary = "`sqrt(x**2 + y**2)` overflows and underflows; use `hypot(x, y)`"
    frameworks = ("numpy", "torch", "jax", "keras")
    fixable = Fixability.SOMETIMES
    opt_in = "precision 13/17 on the ecosystem corpus (scipy test functions and a bounded grid)"
    operations = ("sqrt", "pow")
    requires = (("sqrt", "add"), ("pow", "add"))

    what = """
Checks for the length of a 2-D vector computed from its squares: `sqrt(x**2 + y**2)`, with the
squares written `x**2`, `x * x`, `square(x)`, `pow(x, 2)` or `x.pow(2)` and the root `sqrt(...)`
(`math.sqrt`, `np.sqrt`, `torch.sqrt`, `.sqrt()`, `tf.sqrt`, `jnp.sqrt`, `keras.ops.sqrt`) or
`(...) ** 0.5`, also when the sum was assigned to a name first. Sums of three or more squares
are norms and are not reported here, nor is a definition of `hypot` itself, nor the distance
between two points, `sqrt((x2 - x1)**2 + (y2 - y1)**2)` (box sides and segment lengths in
pixels: coordinate differences are bounded by the coordinates' range, far from overflow),
nor constants (`delta = 0.1` ... `sqrt(delta**2 + delta**2)`), whose value is fixed.
"""
    why = """
The squares overflow long before the result does, and underflow long before it vanishes: in
float32 `x**2` is `inf` for `|x| > 1.8e19` and 0 for `|x| < 1e-23` (subnormal, so inaccurate,
below 1e-19); in float64 the limits are 1.3e154 and 1.5e-162. `hypot` scales its operands
first and is accurate over the whole range. In float32 the coordinates of a scene in meters
multiplied by a large scale, or a difference of two nearly equal positions, are enough.

Breaking input: `x = y = 1e20` in float32 gives `inf` (true `1.414e20`), `x = y = 1e-25` gives
`0` (true `1.414e-25`), and in PyTorch the gradient through the `inf` is 0 instead of 0.707.
"""
    fix_safety = """
The fix is `hypot(x, y)` in the library the code uses: `math.hypot`, `np.hypot`,
`torch.hypot`, `jnp.hypot`, `keras.ops.hypot` (which is scaled on every backend). It is
safe for Python's `math`, whose `hypot` accepts every operand `math.sqrt` of a sum of
squares does. It is unsafe elsewhere, because numlint cannot see dtypes: `np.hypot` and
`jnp.hypot` reject complex arrays (whose `sqrt(x**2 + y**2)` is defined, if not a length),
and `torch.hypot` rejects integer tensors (`torch.sqrt` promotes them); for real floating
inputs the values agree to rounding wherever the original was finite. TensorFlow has no
`hypot` (`tf.experimental.numpy.hypot` is the naive formula and overflows too), so TensorFlow
code is reported without a fix: scale by `m = tf.maximum(tf.abs(x), tf.abs(y))`, guarding
`m == 0`. When the sum was assigned in an earlier statement the fix is offered only when
nothing rebinds `x` or `y` in between.

The fix repairs values, and gradients where the squares overflowed, not every gradient:
neither form has a finite gradient at `x = y = 0`, and JAX's `jnp.hypot` (so Keras's on the
JAX backend) has a gradient of `-inf` where the larger leg's square underflows (below about
1e-19 in float32), where the original's is NaN. PyTorch's is finite there.
"""
    references = (
        "https://numpy.org/doc/stable/reference/generated/numpy.hypot.html",
        "https://docs.python.org/3/library/math.html#math.hypot",
        "https://pytorch.org/docs/stable/generated/torch.hypot.html",
        "https://jax.readthedocs.io/en/latest/_autosummary/jax.numpy.hypot.html",
        "https://keras.io/api/ops/numpy/#hypot-function",
    )

    def check(self, ctx, op):
        total = root_base(op)
        if total is None:
            return
        origin = ctx.origin(total, op.scope)
        add = origin.op
        if add is None or add.kind != "add" or defines(ctx, op, "hypot"):
            return
        left = square_base(ctx, add.left, origin.scope)
        right = square_base(ctx, add.right, origin.scope)
        if left is None or right is None:
            return
        (x, x_square), (y, y_square) = left, right
        if _difference(ctx, x, origin.scope) and _difference(ctx, y, origin.scope):
            return  # the distance between two points: bounded by the coordinates' range
        if constant(ctx, x, origin.scope) is not None and constant(ctx, y, origin.scope) is not None:
            return  # constants (`delta = 0.1` ... `sqrt(delta**2 + delta**2)`): a fixed value
        fix = None
        fw = framework(ctx, op, x_square, y_square)
        safety = ctx.safety("hypot", fw)
        if safety is not None and (not origin.remote or (ctx.portable(origin, op.node, x)
                                                         and ctx.portable(origin, op.node, y))):
            replacement = ctx.render("hypot", fw, op.scope, like=op, x=x, y=y)
            fix = ctx.fix(op.node, replacement, "Replace with `{callee}(x, y)`",
                          Applicability.UNSAFE if origin.remote else safety)
        ctx.report(op.node, "`sqrt(x**2 + y**2)` overflows and underflows; use `hypot(x, y)`",
                   fix)


def _difference(ctx, expr, scope) -> bool:
    """`a - b`, also held in a name: a coordinate difference."""
    op = ctx.origin(expr, scope).op
    return op is not None and op.kind == "sub"


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

_WHY = ("the squares of 1e200 overflow and those of 1e-200 underflow (1e20 and 1e-25 in "
        "float32); hypot scales")


def _proof(x, y, dtype="float32", tiny=True):
    big, small = (1e20, 1e-25) if dtype == "float32" else (1e200, 1e-200)
    if not tiny:  # JAX's hypot has a gradient of -inf there (see fix_safety)
        small = 3 * big
    return Proof(extreme={x: [[big, small], [3.0, -0.5]], y: [[big, small], [4.0, 2.0]]},
                 reference=f"np.hypot({x}, {y})", dtypes=(dtype,), why=_WHY)


EXAMPLES = (
    bad("numpy", """
        import numpy as np

        def speed(vx, vy):
            return np.sqrt(vx**2 + vy**2)
        """, """
        import numpy as np

        def speed(vx, vy):
            return np.hypot(vx, vy)
        """, unsafe=True,
        proof=_proof("vx", "vy", "float64")),
    bad("numpy", """
        import numpy as np

        def radius(x, y):
            return (np.square(x) + y * y) ** 0.5
        """, """
        import numpy as np

        def radius(x, y):
            return np.hypot(x, y)
        """, unsafe=True, title="`square`, `y * y` and `** 0.5`",
        proof=_proof("x", "y")),
    bad("numpy", """
        import math

        def distance(dx, dy):
            return math.sqrt(dx ** 2 + dy ** 2)
        """, """
        import math

        def distance(dx, dy):
            return math.hypot(dx, dy)
        """, title="Python's `math`: safe"),
    bad("torch", """
        import torch

        def magnitude(re, im):
            return torch.sqrt(re ** 2 + im ** 2)
        """, """
        import torch

        def magnitude(re, im):
            return torch.hypot(re, im)
        """, unsafe=True,
        proof=_proof("re", "im", "float64")),
    bad("torch", """
        import torch

        def magnitude(re, im):
            return (re.pow(2) + im.pow(2)).sqrt()
        """, """
        import torch

        def magnitude(re, im):
            return torch.hypot(re, im)
        """, unsafe=True, title="methods",
        proof=_proof("re", "im")),
    bad("torch", """
        import torch

        def magnitude(re, im):
            power = re ** 2 + im ** 2
            return torch.sqrt(power)
        """, """
        import torch

        def magnitude(re, im):
            return torch.hypot(re, im)
        """, unsafe=True, title="across statements",
        proof=_proof("re", "im")),
    bad("tensorflow", """
        import tensorflow as tf

        def magnitude(re, im):
            return tf.sqrt(tf.square(re) + tf.square(im))
        """, title="TensorFlow has no `hypot`: reported without a fix"),
    bad("jax", """
        import jax.numpy as jnp

        def magnitude(re, im):
            return jnp.sqrt(re**2 + im**2)
        """, """
        import jax.numpy as jnp

        def magnitude(re, im):
            return jnp.hypot(re, im)
        """, unsafe=True,
        proof=_proof("re", "im", "float64", tiny=False)),
    bad("keras", """
        import keras

        def magnitude(re, im):
            return keras.ops.sqrt(keras.ops.square(re) + keras.ops.square(im))
        """, """
        import keras

        def magnitude(re, im):
            return keras.ops.hypot(re, im)
        """, unsafe=True,
        proof=_proof("re", "im", "float64")),
    good("numpy", """
        import numpy as np

        def lengths(x, y, z):
            delta = 0.1
            return (np.sqrt(x**2 + y**2 + z**2), np.sqrt(x**2 - y**2), np.sqrt(x**2 + 1.0),
                    np.sqrt(delta ** 2 + delta ** 2))
        """, title="three squares (a norm), a difference, constants"),
    good("numpy", """
        import numpy as np

        def hypot(x, y):
            return np.sqrt(x * x + y * y)
        """, title="a definition of `hypot` itself"),
    good("torch", """
        import torch

        def magnitude(re, im):
            return torch.hypot(re, im)
        """),
    good("torch", """
        import torch

        def box_sides(x1, y1, x2, y2, x3, y3):
            dx = x3 - x2
            dy = y3 - y2
            return ((x2 - x1) ** 2 + (y1 - y2) ** 2).sqrt(), torch.sqrt(dx.pow(2) + dy.pow(2))
        """, title="distances between points"),
)
