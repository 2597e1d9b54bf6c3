"""NL514 log-gamma: `log(gamma(x))`, `log(factorial(n))`, `log(comb(n, k))` and
`log(beta(a, b))` instead of the log-gamma function."""

import math

from numlint.engine.rule import Applicability, Fixability, Proof, Rule, bad, good
from numlint.engine.table.special import EXACT_INTEGER, EXACT_INTEGER_LOG

from ._patterns import NONNEG, in_assertion, sign
from ._special import framework, number

# The function under the log, the stable rewrite of its log, and the template's operands.
_REWRITES = {
    "gamma": ("log_gamma", ("x",)),
    "factorial": ("log_factorial", ("n",)),
    "comb": ("log_comb", ("n", "k")),
    "beta": ("log_beta", ("a", "b")),
}
_MESSAGES = {
    "gamma": "`log(gamma(x))` overflows for x > 171.6; use `gammaln(x)`",
    "factorial": "`log(factorial(n))` overflows for n > 170; use `gammaln(n + 1)`",
    "comb": ("`log(comb(n, k))` overflows for large `n`; use "
             "`gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)`"),
    "beta": "`log(beta(a, b))` underflows for large `a` and `b`; use `betaln(a, b)`",
}


class LogGamma(Rule):
    code = "NL514"
    name = "log-gamma"
    summary = ("`log(gamma(x))`, `log(factorial(n))`, `log(comb(n, k))`, `log(beta(a, b))` "
               "overflow and underflow; use `gammaln` / `betaln`")
    frameworks = ("numpy", "jax")
    fixable = Fixability.SOMETIMES
    operations = ("log",)
    requires = (("log", "gamma"), ("log", "factorial"), ("log", "comb"), ("log", "beta"))

    what = """
Checks for the logarithm of a gamma function, factorial, binomial coefficient or beta function
computed as a number first: `log(gamma(x))` (`math.gamma`, `scipy.special.gamma`,
`jax.scipy.special.gamma`), `log(factorial(n))` (`scipy.special.factorial`,
`jax.scipy.special.factorial`), `log(comb(n, k))` (`scipy.special.comb`,
`scipy.special.binom`, `jax.scipy.special.comb`, and `math.comb` under NumPy's `log`) and
`log(beta(a, b))`
(`scipy.special.beta`, `jax.scipy.special.beta`), also through a name. PyTorch, TensorFlow and
Keras have no gamma function, only its logarithm (`torch.lgamma`, `tf.math.lgamma`).
`math.log(math.comb(n, k))` is exact (Python's integers do not overflow and `math.log` takes
them whole) and is not reported (nor is `math.factorial`, for the same reason), nor are constant
arguments whose value does not overflow (`log(gamma(3))`).
"""
    why = """
The gamma function grows faster than exponentially: `gamma(171.7)` overflows float64 (35.04 in
float32), so `log(gamma(200))` is `inf` instead of 857.93, `log(factorial(200))` is `inf`
instead of 863.23 and `log(comb(2000, 1000))` is `inf` instead of 1382.27; the beta function
underflows the same way, `log(beta(1000, 1000))` is `-inf` instead of -1388.3. `math.gamma(200)`
raises `OverflowError`, and NumPy's `log` of `math.comb(2000, 1000)` raises `TypeError` (the
integer is too large for a float). `gammaln` and `betaln` compute the logarithm directly, for
any argument.
"""
    fix_safety = """
`gammaln(x)` is `log|gamma(x)|`: it equals `log(gamma(x))` wherever the gamma function is
positive, and is finite where `gamma(x)` is negative (between the negative poles), where the
original is NaN (or raises, in Python's `math`). The same holds for `gammaln(n + 1)` against
SciPy's `factorial`, which is 0 for negative `n` (so its log `-inf`), and for `betaln`. So
these fixes are safe where the rule can see the arguments are non-negative (constants,
squares, absolute values, exponentials) and unsafe otherwise. `log(comb(n, k))` becomes
`gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)`, always unsafe: it copies `n` and
`k` twice (so it is offered only for names, attributes and constants), it differs for negative
`n`, and for huge `n` and small `k` the difference of large log-gammas loses digits that
`log(comb(n, k))` kept while `comb` was finite. When the function's value was assigned in an
earlier statement the fix is unsafe, and offered only when nothing rebinds its arguments in
between. No fix is offered when the log has a base, or the function extra arguments
(`exact=True`, `repetition=True`).
"""
    references = (
        "https://docs.scipy.org/doc/scipy/reference/generated/scipy.special.gammaln.html",
        "https://docs.scipy.org/doc/scipy/reference/generated/scipy.special.betaln.html",
        "https://docs.python.org/3/library/math.html#math.lgamma",
        "https://jax.readthedocs.io/en/latest/_autosummary/jax.scipy.special.gammaln.html",
    )

    def check(self, ctx, op):
        if op.operand is None or in_assertion(ctx, op.node):
            return
        origin = ctx.origin(op.operand, op.scope)
        inner = origin.op
        if inner is None or inner.kind not in _REWRITES or inner.spec is None \
                or inner.args is None:
            return
        if inner.spec.name in EXACT_INTEGER and op.spec is not None \
                and op.spec.name in EXACT_INTEGER_LOG:
            return  # exact integers, and a log that takes them exactly
        stable, names = _REWRITES[inner.kind]
        params = inner.spec.signature.positional[:len(names)]
        arguments = [inner.args.get(p) for p in params]
        if any(a is None for a in arguments) or _representable(inner.kind, arguments):
            return
        fix = None
        fw = framework(ctx, inner)
        copies = inner.kind == "comb"  # the template copies each argument twice
        if fw is not None and op.is_plain() and inner.is_plain(*params) \
                and (not copies or all(ctx.same(a, a) for a in arguments)) \
                and (not origin.remote or all(ctx.portable(origin, op.node, a)
                                              for a in arguments)):
            replacement = ctx.render(stable, fw, op.scope, like=inner,
                                     **dict(zip(names, arguments)))
            safe = not origin.remote and not copies \
                and all(sign(ctx, a, origin.scope) is NONNEG for a in arguments)
            fix = ctx.fix(op.node, replacement, "Replace with `{callee}`",
                          Applicability.SAFE if safe else Applicability.UNSAFE)
        ctx.report(op.node, _MESSAGES[inner.kind], fix)


def _representable(kind, arguments) -> bool:
    """Whether every argument is a numeric literal and the function's value there is a normal
    float64 (`log(gamma(3))` is exact): a constant that does not overflow never will."""
    values = [number(a) for a in arguments]
    if any(v is None for v in values):
        return False
    lgamma = math.lgamma
    try:
        if kind == "gamma":
            log_value = lgamma(values[0])
        elif kind == "factorial":
            log_value = lgamma(values[0] + 1)
        elif kind == "comb":
            n, k = values
            log_value = lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1)
        else:
            a, b = values
            log_value = lgamma(a) + lgamma(b) - lgamma(a + b)
    except (ValueError, OverflowError):  # a pole
        return False
    return abs(log_value) < 700


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

_WHY = "gamma(200) overflows to inf (beyond 171.6 in float64, 35 in float32)"


def _proof(reference, extreme, benign, why=_WHY):
    return Proof(extreme=extreme, benign=benign, reference=reference, why=why)


GAMMA = _proof("scipy.special.gammaln(x)", {"x": [[200.0, 5.5], [0.5, 1000.0]]},
               {"x": [[0.7, 2.5], [4.0, 10.0]]})
FACTORIAL = _proof("scipy.special.gammaln(n + 1)", {"n": [[200.0, 500.0], [3.0, 10.0]]},
                   {"n": [[0.0, 1.0], [4.0, 7.0]]})
COMB = _proof("scipy.special.gammaln(n + 1) - scipy.special.gammaln(k + 1) "
              "- scipy.special.gammaln(n - k + 1)",
              {"n": [[2000.0, 100.0]], "k": [[1000.0, 3.0]]},
              {"n": [[10.0, 20.0]], "k": [[3.0, 5.0]]},
              why="comb(2000, 1000) is 2e600: inf")
BETA = _proof("scipy.special.betaln(a, b)", {"a": [[1000.0, 0.5]], "b": [[1000.0, 2.0]]},
              {"a": [[0.5, 2.0]], "b": [[1.5, 3.0]]},
              why="beta(1000, 1000) is 1e-603: 0, and its log -inf")


EXAMPLES = (
    bad("numpy", """
        import numpy as np
        from scipy.special import gamma

        def log_normalizer(x):
            return np.log(gamma(x))
        """, """
        from scipy.special import gammaln

        def log_normalizer(x):
            return gammaln(x)
        """, unsafe=True,
        proof=GAMMA),
    bad("numpy", """
        import numpy as np
        import scipy.special as sp

        def log_poisson(k, rate):
            return k * np.log(rate) - rate - np.log(sp.factorial(k))
        """, """
        import numpy as np
        import scipy.special as sp

        def log_poisson(k, rate):
            return k * np.log(rate) - rate - sp.gammaln(k + 1)
        """, unsafe=True, title="`factorial`: a Poisson log-likelihood",
        proof=Proof(extreme={"k": [[200.0, 3.0]], "rate": [[150.0, 2.0]]},
                    benign={"k": [[0.0, 3.0]], "rate": [[1.5, 2.0]]},
                    reference="k * np.log(rate) - rate - scipy.special.gammaln(k + 1)",
                    why="factorial(200) overflows to inf")),
    bad("numpy", """
        import numpy as np
        from scipy import special

        def log_binomial(n, k):
            return np.log(special.comb(n, k))
        """, """
        from scipy import special

        def log_binomial(n, k):
            return special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1)
        """, unsafe=True, title="`comb`",
        proof=COMB),
    bad("numpy", """
        import numpy as np
        import scipy.special as sp

        def log_beta(a, b):
            return np.log(sp.beta(a, b))
        """, """
        import scipy.special as sp

        def log_beta(a, b):
            return sp.betaln(a, b)
        """, unsafe=True, title="`beta`",
        proof=BETA),
    bad("numpy", """
        import numpy as np
        import scipy.special as sp

        def log_normalizer(scale):
            return np.log(sp.gamma(np.abs(scale)))
        """, """
        import numpy as np
        import scipy.special as sp

        def log_normalizer(scale):
            return sp.gammaln(np.abs(scale))
        """, title="an argument known to be non-negative: safe",
        proof=Proof(extreme={"scale": [[-200.0, 5.5], [0.5, 1000.0]]},
                    benign={"scale": [[0.7, -2.5], [4.0, 10.0]]},
                    reference="scipy.special.gammaln(np.abs(scale))", why=_WHY)),
    bad("numpy", """
        import math

        def log_normalizer(x):
            return math.log(math.gamma(x))
        """, """
        import math

        def log_normalizer(x):
            return math.lgamma(x)
        """, unsafe=True, title="Python's `math`: `math.gamma(200)` raises OverflowError"),
    bad("numpy", """
        import math
        import numpy as np

        def log_count(n, k):
            return np.log(math.comb(n, k))
        """, """
        import math

        def log_count(n, k):
            return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
        """, unsafe=True, title="NumPy's log of an exact integer: a TypeError past 1e308"),
    bad("jax", """
        import jax.numpy as jnp
        from jax.scipy import special

        def log_normalizer(x):
            return jnp.log(special.gamma(x))
        """, """
        from jax.scipy import special

        def log_normalizer(x):
            return special.gammaln(x)
        """, unsafe=True,
        proof=GAMMA),
    bad("jax", """
        import jax.numpy as jnp
        import jax.scipy.special as jsp

        def log_normalizer(n):
            fact = jsp.factorial(n)
            return jnp.log(fact)
        """, """
        import jax.scipy.special as jsp

        def log_normalizer(n):
            return jsp.gammaln(n + 1)
        """, unsafe=True, title="across statements",
        proof=FACTORIAL),
    bad("jax", """
        import jax.numpy as jnp
        import jax.scipy.special as jsp

        def log_beta(a, b):
            return jnp.log(jsp.beta(a, b))
        """, """
        import jax.scipy.special as jsp

        def log_beta(a, b):
            return jsp.betaln(a, b)
        """, unsafe=True,
        proof=BETA),
    good("numpy", """
        import math
        from scipy.special import gammaln, gamma

        def log_terms(n, k, x):
            exact = math.log(math.factorial(n)) + math.log(math.comb(n, k))
            return exact, gammaln(x), gamma(x), math.log(gamma(x) + 1)
        """, title="exact integers, and the stable functions"),
    bad("numpy", """
        import numpy as np
        from scipy.special import factorial

        def log_count(n):
            return np.log(factorial(n, exact=True))
        """, title="`exact=True`: reported without a fix"),
    good("numpy", """
        import numpy as np
        from numpy.testing import assert_allclose
        from scipy.special import gamma, gammaln

        def test_gammaln(x):
            assert_allclose(gammaln(x), np.log(gamma(x)))
            lngam = np.log(gamma(3))
            assert_allclose(gammaln(3), lngam)
        """, title="a test of gammaln itself, a constant argument"),
    bad("numpy", """
        import numpy as np
        from scipy.special import gamma

        def log_constant():
            return np.log(gamma(200))
        """, """
        from scipy.special import gammaln

        def log_constant():
            return gammaln(200)
        """, title="a constant argument that overflows (safe: it is positive)"),
    bad("cupy", """
        import cupy as cp
        from cupyx.scipy.special import gamma


        def log_norm(alpha):
            return cp.log(gamma(alpha))
        """, """
        from cupyx.scipy.special import gammaln


        def log_norm(alpha):
            return gammaln(alpha)
        """, unsafe=True,
        title="the fix is written with CuPy; checked as text, not executed (CuPy needs a GPU)"),
)
