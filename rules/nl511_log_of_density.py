"""NL511 log-of-density: `log(dist.pdf(x))` instead of `dist.logpdf(x)`."""

import ast

from numlint.engine.rule import (
    Applicability, Fixability, Proof, Replacement, Rule, TextCondition, bad, good, has_word,
)
from numlint.engine.table.special import DISTRIBUTION_MODULES, LOG_DENSITY_METHODS

from ._patterns import in_assertion
from ._special import number


def _may_take_a_density(text: str) -> bool:
    """A density method (`pdf`, `pmf`) of a distribution module: both words are in the text
    (a qualified name in `scipy.stats` is spelled by an import or an attribute chain that
    names `stats`)."""
    return any(has_word(text, method) for method in LOG_DENSITY_METHODS) and \
        any(has_word(text, module.rsplit(".", 1)[-1]) for module in DISTRIBUTION_MODULES)


DENSITY = TextCondition("a density method of a distribution", _may_take_a_density)


class LogOfDensity(Rule):
    code = "NL511"
    name = "log-of-density"
    summary = "`log(dist.pdf(x))` underflows to `-inf` in the tails; use `dist.logpdf(x)`"
    frameworks = ("numpy", "jax")
    fixable = Fixability.SOMETIMES
    operations = ("log",)
    requires = (("log", DENSITY),)

    what = """
Checks for the logarithm of a probability density or mass computed as a probability first:
`log(norm.pdf(x))`, `log(stats.poisson.pmf(k, mu))`, `log(multivariate_normal.pdf(x, mean,
cov))`, `log(stats.norm(mu, sigma).pdf(x))` and `log(rv.pdf(x))` with a frozen distribution
`rv = stats.norm(mu, sigma)`, `log(kde.pdf(x))` with `kde = gaussian_kde(data)`, for every
distribution of `scipy.stats` and `jax.scipy.stats`, with any `log` (`np.log`, `math.log`,
`jnp.log`), also when the density was assigned to a name first. A density at constant
arguments (`np.log(stats.geom.pmf([1, 2, 3], 0.5))`) is a constant and is not reported.
"""
    why = """
Densities underflow long before their logarithms do: `norm.pdf(40)` is `exp(-800.9)`, which
is 0 in float64, so `log(norm.pdf(40))` is `-inf` instead of -800.92 (in float32 already from
`x = 14`); `log(poisson.pmf(1000, 1))` is `-inf` instead of -5913.13. A log-likelihood of
data with one outlier is then `-inf`, its maximisation stops, and its gradient is NaN.
`logpdf` and `logpmf` compute the logarithm directly.
"""
    fix_safety = """
The fix is safe: every distribution of `scipy.stats` and `jax.scipy.stats` (frozen or not, and
`gaussian_kde`) that has `pdf` has `logpdf` with the same arguments, and `pmf` has `logpmf`;
they return the logarithm of the same density, exact where `log(pdf)` was finite and finite
where the density underflowed (and `-inf` outside the support, as the original). The fix
keeps the receiver and the arguments as written and only renames the method. When the
density was assigned in an earlier statement the fix is unsafe, and offered only when nothing
rebinds its arguments in between. No fix is offered when the log has a base. Objects from
other libraries with a `pdf` method are not reported (their `logpdf` may not exist);
PyTorch's distributions have only `log_prob`.
"""
    references = (
        "https://docs.scipy.org/doc/scipy/reference/generated/scipy.stats.rv_continuous.logpdf.html",
        "https://docs.scipy.org/doc/scipy/reference/generated/scipy.stats.rv_discrete.logpmf.html",
        "https://jax.readthedocs.io/en/latest/_autosummary/jax.scipy.stats.norm.logpdf.html",
    )

    def check(self, ctx, op):
        if op.operand is None or in_assertion(ctx, op.node):
            return
        origin = ctx.origin(op.operand, op.scope)
        call = origin.expr
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr in LOG_DENSITY_METHODS
                and _distribution(ctx, call.func.value, origin.scope)) \
                or all(_literal(a) for a in [*call.args, *(k.value for k in call.keywords)]):
            return
        method = call.func.attr
        log_method = LOG_DENSITY_METHODS[method]
        copied = [call.func.value, *call.args, *(k.value for k in call.keywords)]
        fix = None
        if op.is_plain() and (not origin.remote
                              or all(ctx.portable(origin, op.node, c) for c in copied)):
            receiver = ctx.emitter.receiver_text(call.func.value)
            start, end = ctx.source.node_range(call)
            arguments = ctx.source.text[ctx.source.node_range(call.func)[1]:end]
            replacement = Replacement(f"{receiver}.{log_method}{arguments}", [], copied,
                                      f".{log_method}")
            fix = ctx.fix(op.node, replacement, f"Replace with `.{log_method}`",
                          Applicability.UNSAFE if origin.remote else Applicability.SAFE)
        ctx.report(op.node, f"`log(dist.{method}(x))` underflows to `-inf` in the tails; use "
                            f"`dist.{log_method}(x)`", fix)


def _literal(node) -> bool:
    """A number or a list or tuple of numbers: a density at constant arguments is a constant
    (`np.log(stats.geom.pmf([1, 2, 3], 0.5))`, a test of `logpmf`), fine or visibly `-inf`."""
    if isinstance(node, (ast.List, ast.Tuple)):
        return all(_literal(e) for e in node.elts)
    return number(node) is not None


def _distribution(ctx, receiver, scope) -> bool:
    """Whether `receiver` is a distribution of `DISTRIBUTION_MODULES`: one of them
    (`stats.norm`), a frozen one (`stats.norm(0, 1)`, or a name holding it), or a
    `gaussian_kde` built from data."""
    origin = ctx.origin(receiver, scope)
    candidates = [(receiver, scope), (origin.expr, origin.scope)]
    for expr, where in candidates:
        if isinstance(expr, ast.Call):
            expr = expr.func  # a frozen distribution: `stats.norm(mu, sigma)`
        qualname = ctx.model.qualname(expr, where) if where is not None else None
        if qualname and any(qualname.startswith(module + ".")
                            for module in DISTRIBUTION_MODULES):
            return True
    return False


# -- examples: the rule's tests, its documentation and the input of its proofs -----------

_WHY = "norm.pdf(40) is exp(-800.9): 0 in float64, and its log -inf"


def _proof(reference):
    return Proof(extreme={"x": [[40.0, 0.5], [-3.0, 15.0]]}, reference=reference, why=_WHY)


EXAMPLES = (
    bad("numpy", """
        import numpy as np
        from scipy.stats import norm

        def log_likelihood(x):
            return np.sum(np.log(norm.pdf(x)), axis=-1)
        """, """
        import numpy as np
        from scipy.stats import norm

        def log_likelihood(x):
            return np.sum(norm.logpdf(x), axis=-1)
        """,
        proof=_proof("np.sum(scipy.stats.norm.logpdf(x), axis=-1)")),
    bad("numpy", """
        import numpy as np
        from scipy import stats

        def log_likelihood(x, mu, sigma):
            rv = stats.norm(mu, sigma)
            return np.log(rv.pdf(x))
        """, """
        from scipy import stats

        def log_likelihood(x, mu, sigma):
            rv = stats.norm(mu, sigma)
            return rv.logpdf(x)
        """, title="a frozen distribution",
        proof=Proof(extreme={"x": [[40.0, 0.5]], "mu": [[0.0, 0.0]], "sigma": [[1.0, 2.0]]},
                    benign={"x": [[0.3, -1.0]], "mu": [[0.0, 0.5]], "sigma": [[1.0, 2.0]]},
                    reference="scipy.stats.norm.logpdf(x, mu, sigma)", why=_WHY)),
    bad("numpy", """
        import math
        import scipy.stats as st

        def log_likelihood(k, rate):
            return math.log(st.poisson.pmf(k, rate))
        """, """
        import scipy.stats as st

        def log_likelihood(k, rate):
            return st.poisson.logpmf(k, rate)
        """, title="`pmf`, Python's `log`"),
    bad("numpy", """
        import numpy as np
        from scipy.stats import multivariate_normal

        def log_density(x, mean, cov):
            density = multivariate_normal.pdf(x, mean=mean, cov=cov)
            return np.log(density)
        """, """
        from scipy.stats import multivariate_normal

        def log_density(x, mean, cov):
            density = multivariate_normal.pdf(x, mean=mean, cov=cov)
            return multivariate_normal.logpdf(x, mean=mean, cov=cov)
        """, unsafe=True, title="across statements (unsafe)"),
    bad("jax", """
        import jax
        import jax.numpy as jnp

        def log_likelihood(x):
            return jnp.log(jax.scipy.stats.norm.pdf(x))
        """, """
        import jax

        def log_likelihood(x):
            return jax.scipy.stats.norm.logpdf(x)
        """,
        proof=_proof("scipy.stats.norm.logpdf(x)")),
    bad("jax", """
        import jax.numpy as jnp
        from jax.scipy.stats import gamma

        def log_likelihood(x, a):
            return jnp.log(gamma.pdf(x, a))
        """, """
        from jax.scipy.stats import gamma

        def log_likelihood(x, a):
            return gamma.logpdf(x, a)
        """, title="shape arguments are kept",
        proof=Proof(extreme={"x": [[900.0, 0.5]], "a": [[2.0, 3.0]]},
                    benign={"x": [[0.5, 1.5]], "a": [[2.0, 3.0]]},
                    reference="scipy.stats.gamma.logpdf(x, a)",
                    why="gamma.pdf(900, 2) is 900 exp(-900): 0")),
    good("numpy", """
        import numpy as np
        from scipy.stats import norm

        def log_likelihood(x, model):
            constant = np.log(norm.pdf([1.0, 2.0], 0.5))
            return norm.logpdf(x), np.log(model.pdf(x)), np.log(norm.cdf(x)), constant
        """, title="logpdf; an object of unknown type; a cdf; constant arguments"),
)
