"""A Keras model whose last layer applies a softmax (or sigmoid), compiled with a loss on
logits (`from_logits=True`): the loss applies the activation again (issue 12). The model may
be built in the same module or by a factory in another; findings are the same at every scope,
and a warm cache drops them when the factory changes."""

from test_project import check, check_stdin, findings, make

MODELS = {
    "proj/__init__.py": "",
    "proj/models.py": """
        import keras
        from keras import layers


        def build_model(classes):
            return keras.Sequential([layers.Dense(64, activation="relu"),
                                     layers.Dense(classes, activation="softmax")])
        """,
    "proj/train.py": """
        import keras
        from keras import layers

        from .models import build_model


        def main(x, y):
            model = build_model(10)
            model.compile(optimizer="adam",
                          loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
            other = keras.Sequential([layers.Dense(1, activation="sigmoid")])
            bce = keras.losses.BinaryCrossentropy(from_logits=True)
            other.compile("adam", bce)
            logits = keras.Sequential([layers.Dense(10)])
            logits.compile(optimizer="adam",
                           loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
            probs = keras.Sequential([layers.Dense(10, activation="softmax")])
            probs.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy())
            return model.fit(x, y)
        """,
}
FINDINGS = {("proj/train.py", 10, "NL202"),    # build_model() of another module
            ("proj/train.py", 13, "NL202")}   # a sigmoid model, the loss held in a name


def test_compiled_with_from_logits_at_every_scope(run, write, tmp_path):
    make(write, MODELS)
    assert check(run, ".") == FINDINGS
    assert check(run, "proj/train.py") == FINDINGS
    assert check_stdin(run, tmp_path, "proj/train.py") == FINDINGS


def test_a_warm_cache_drops_the_finding_when_the_factory_returns_logits(run, write, tmp_path):
    make(write, MODELS)
    warm = lambda: findings(run("check", "--output-format", "json", "."))  # noqa: E731
    assert warm() == FINDINGS
    assert warm() == FINDINGS  # from the cache
    models = tmp_path / "proj" / "models.py"
    original = models.read_text()
    models.write_text(original.replace(', activation="softmax")', ")"))
    assert warm() == FINDINGS - {("proj/train.py", 10, "NL202")}
    models.write_text(original)
    assert warm() == FINDINGS


def test_tf_keras_recovers_the_logits(run, write):
    """`tf.keras` is bound to the TensorFlow backend, whose losses use the logits behind a
    Keras softmax (with a warning): not reported."""
    write("m.py", """
        import tensorflow as tf


        def main():
            model = tf.keras.Sequential([tf.keras.layers.Dense(10, activation="softmax")])
            model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        """)
    assert check(run, ".") == set()


def test_other_compile_calls_are_not_losses(run, write):
    write("m.py", """
        import re

        import torch


        def main(model):
            pattern = re.compile("softmax", re.I)
            fast = torch.compile(model, mode="max-autotune")
            return pattern, fast, model.compile(fullgraph=True)
        """)
    assert check(run, ".") == set()


def test_functional_subclassed_and_added_models(run, write):
    write("more.py", """
        import keras
        from keras import layers


        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.out = layers.Dense(10, activation="softmax")

            def call(self, x):
                return self.out(x)


        def functional():
            inputs = keras.Input((8,))
            h = layers.Dense(16, activation="relu")(inputs)
            outputs = layers.Dense(10, activation="softmax")(h)
            model = keras.Model(inputs, outputs)
            model.compile(optimizer="adam",
                          loss=keras.losses.CategoricalCrossentropy(from_logits=True))


        def added():
            model = keras.Sequential()
            model.add(layers.Dense(16, activation="relu"))
            model.add(layers.Dense(1, activation="sigmoid"))
            model.compile("adam", keras.losses.BinaryCrossentropy(from_logits=True))


        def subclassed():
            net = Net()
            net.compile(optimizer="adam",
                        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))


        def added_logits():
            model = keras.Sequential()
            model.add(layers.Dense(1, activation="sigmoid"))
            model.add(layers.Dense(1))
            model.compile("adam", keras.losses.BinaryCrossentropy(from_logits=True))
        """)
    assert check(run, ".") == {("more.py", 20, "NL202"), ("more.py", 27, "NL202"),
                               ("more.py", 33, "NL202")}
