"""issue 12 item 7: examples/component_plugin hosted from Python (PyPI `wasmtime`).

Builds the example's plugin with `$LUMEN_BIN build --target wasm --wasm-target component`
and runs the example's own `host.py` on it in a child Python, as its README says; the
output must be `host.out`, the same lines `host.mjs` prints under jco
(tests/wasm/node/component_plugin.test.mjs).

    LUMEN_BIN=target/debug/lumen python -m unittest discover -s tests/python -v
"""

import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lumen_host import ROOT, build_component  # noqa: E402

EXAMPLE = ROOT / "examples" / "component_plugin"


class ComponentPluginExample(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = Path(tempfile.mkdtemp(prefix="lumen-plugin-example-"))
        cls.wasm = build_component(EXAMPLE / "plugin.lm.md", cls.out)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.out, ignore_errors=True)

    def test_issue12_item7_host_py_supplies_kb_lookup_and_prints_the_verdicts(self):
        done = subprocess.run(
            [sys.executable, str(EXAMPLE / "host.py"), str(self.wasm)],
            cwd=self.out,
            capture_output=True,
            text=True,
            timeout=300,
        )
        self.assertEqual(done.stderr, "")
        self.assertEqual(done.returncode, 0)
        expected = (EXAMPLE / "host.out").read_text(encoding="utf-8")
        self.assertEqual(done.stdout, expected)
        # The grant stopped the ninth look-up inside the component: 2 + 3 + 0 + 8 reached Python.
        self.assertIn("INV-1004: lumen error E0907: ", done.stdout)
        self.assertTrue(done.stdout.endswith("catalogue look-ups: 13\n"))


if __name__ == "__main__":
    unittest.main()
