"""An activation's output passed to a function of the project that puts it in a hazardous
position (`def nll(p): return -log(p).mean()` ... `nll(softmax(z))`). Not a rule.

Reported at the call site, where the activation is: a module checked alone knows what the
functions it calls do with their parameters (their modules' summaries), never who calls its
own functions, so a finding at the log would depend on files outside the check (pre-commit
passes only the changed files; an editor checks one buffer). The message names the function
and the line of its hazardous operation. Never fixed: the function's contract changes (it
would take logits), and its other callers may pass probabilities legitimately.
"""

from typing import List

# Activations Keras's losses may recognise and undo on the TensorFlow backend (they tag their
# output with the logits): at a call site the loss inside the function is not known, so a
# finding on a loss position is left out for them.
_KERAS_ACTIVATIONS = ("keras.", "tensorflow.keras.", "tf_keras.")


def passed(ctx, op, kinds, holds=None) -> List:
    """Where the output of the activation `op` is passed to a parameter that a function of
    the project puts in an operation of one of `kinds` (a loss's prediction argument holding
    one of `holds`, when given): the `Passed` records of the model."""
    found = []
    for record in ctx.model.passed_into(op.node, op.scope):
        sink = record.sink
        if sink.kind not in kinds or (holds is not None and sink.holds not in holds):
            continue
        if sink.kind != "log" and op.spec is not None and op.spec.name.startswith(_KERAS_ACTIVATIONS):
            continue
        found.append(record)
    return found


def takes(record, what: str) -> str:
    """"`nll` takes the log of its parameter `p` (pkg.losses, line 6)"."""
    return (f"`{record.function}` {what} its parameter `{record.sink.parameter}` "
            f"({record.location})")


def report_passed(ctx, op, kinds, does: str, consequence: str, holds=None) -> None:
    """Report each argument holding the output of `op` that a function of the project puts in
    an operation of one of `kinds`: "`nll` <does> its parameter `p` (pkg.losses, line 6),
    <consequence>"."""
    for record in passed(ctx, op, kinds, holds):
        ctx.report(record.argument, f"{takes(record, does)}, {consequence}")
