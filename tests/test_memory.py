"""needl._memory: glibc keeps freed memory for reuse, unless NEEDL_KEEP_FREED_MEMORY=0."""
import os
import subprocess
import sys

import pytest

import needl._memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_thresholds_set_at_import_and_opt_out():
    assert needl._memory.KEPT
    code = "import needl._memory as m; print(m.KEPT)"
    environment = dict(os.environ, NEEDL_KEEP_FREED_MEMORY="0")
    root = os.path.dirname(os.path.dirname(os.path.abspath(needl.__file__)))
    output = subprocess.run([sys.executable, "-c", code], env=environment, cwd=root,
                            capture_output=True, text=True, check=True).stdout
    assert output.strip() == "False"
