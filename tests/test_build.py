"""`sam build` produces functions that import with only their code and the SharedLayer."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from local.template import load, resources_of_type

ROOT = Path(__file__).resolve().parent.parent
SAM = ROOT / ".venv-tools" / "bin" / "sam"
FUNCTIONS = sorted(resources_of_type(load(), "AWS::Serverless::Function"))

pytestmark = pytest.mark.build


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    if not SAM.exists():
        pytest.fail("sam is not installed: run make install")
    out = tmp_path_factory.mktemp("sam-build")
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": "us-east-1"}
    result = subprocess.run(  # noqa: S603 - our own tool, fixed arguments
        [str(SAM), "build", "--template", str(ROOT / "template.yaml"), "--build-dir", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    yield out
    shutil.rmtree(out, ignore_errors=True)


def test_the_layer_holds_the_shared_package_and_compiled_bytecode(built):
    layer = built / "SharedLayer" / "python"
    assert (layer / "shared" / "usecases" / "intake.py").exists()
    assert (layer / "shared" / "mail" / "templates" / "inquiry_applicant.html").exists()
    # Compiled for the runtime's Python, with hashes that ignore SAM's 1980 file dates.
    tag = sys.implementation.cache_tag
    pyc = layer / "shared" / "usecases" / "__pycache__" / f"intake.{tag}.pyc"
    assert pyc.exists()
    assert int.from_bytes(pyc.read_bytes()[4:8], "little") == 0b01  # PEP 552: hash-based, not checked
    assert not (layer / "shared" / "requirements.txt").exists()


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_built_function_imports_with_only_its_code_and_the_layer(built, function):
    # As in Lambda: the function's folder and the layer's python/ on the path, no site-packages.
    probe = (
        "import sys; sys.path = [p for p in sys.path if 'site-packages' not in p];"
        f"sys.path[:0] = [{str(built / function)!r}, {str(built / 'SharedLayer' / 'python')!r}];"
        "import app; assert callable(app.handler); print(app.__file__)"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed probe
        [sys.executable, "-S", "-c", probe], cwd=built, capture_output=True, text=True, check=False,
        env={"AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().startswith(str(built / function))
