"""NL601 follows a comparison's side only when it may hold a NaN (`_nan_names`: assigned one,
another holder, or a cast of one; or imported from a NaN constant). Every way in still
reports."""

import pytest

from numlint.engine.check import check_source
from numlint.run.config import Config

CASES = {
    "an alias": "import numpy as np\nfrom numpy import nan as NA\n\ndef f(x):\n"
                "    return np.where(x == NA, 0.0, x)\n",
    "a chain of names": "import numpy as np\nA = np.nan\nB = A\n\ndef f(x):\n"
                        "    return np.where(x == B, 0.0, x)\n",
    "a cast": "import tensorflow as tf\nMISSING = float('nan')\n\ndef f(x):\n"
              "    m = tf.cast(MISSING, tf.float32)\n    return tf.where(x == m, 0.0, x)\n",
    "an attribute": "import numpy as np\n\nclass C:\n    def __init__(self):\n"
                    "        self.fill = np.nan\n\n    def mask(self, x):\n"
                    "        return x == self.fill\n",
    "an attribute of a name": "import numpy as np\nMISSING = np.nan\n\nclass C:\n"
                              "    def __init__(self):\n        self.fill = MISSING\n\n"
                              "    def mask(self, x):\n        return x != self.fill\n",
    "a local": "import math\n\ndef f(v):\n    bad = math.nan\n    return v is bad\n",
    "an annotated name": "import numpy as np\nFILL: float = np.nan\n\ndef f(x):\n"
                         "    return x == FILL\n",
    "an unpacked name": "import numpy as np\nLO, HI = 0.0, np.nan\n\ndef f(x):\n"
                        "    return x == HI\n",
    "a NumPy scalar": "import numpy as np\n\ndef f(x):\n    return x == np.float32('NaN')\n",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_holder_of_a_nan_is_followed(name):
    found = check_source(CASES[name].encode(), "m.py", Config(select=("NL601",)))
    assert [d.code for d in found] == ["NL601"]


def test_a_name_assigned_something_else_is_not_a_nan():
    text = "import numpy as np\nA = np.nan\nB = 0.0\n\ndef f(x):\n    return x == B\n"
    assert check_source(text.encode(), "m.py", Config(select=("NL601",))) == []
