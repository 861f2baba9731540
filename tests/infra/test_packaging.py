"""make package: same inputs, same bytes; the zips hold what Lambda and the Glue job need and
nothing else."""

from __future__ import annotations

import ast
import base64
import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from covid_etl.contract import FUNCTIONS
from etl_tools import packaging

from . import tfconfig

PINNED_SDK = {"boto3": "1.44.5", "botocore": "1.44.5"}  # pyproject.toml


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if not any(packaging.WHEEL_DIR.glob("*.whl")):
        pytest.fail(
            f"no wheels in {packaging.WHEEL_DIR}: run `make wheels` (make test does)", pytrace=False
        )
    first, second = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")
    packaging.build(first)
    packaging.build(second)
    return first, second


def artifacts(folder: Path) -> list[Path]:
    functions = [folder / "functions" / f"{fn}.zip" for fn in FUNCTIONS]
    return [*functions, folder / "layer.zip", folder / packaging.GLUE_LIBRARY]


def test_two_builds_give_the_same_bytes(builds: tuple[Path, Path]) -> None:
    first, second = builds
    for a, b in zip(artifacts(first), artifacts(second), strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_entries_are_sorted_dated_1980_and_0644(builds: tuple[Path, Path]) -> None:
    for path in artifacts(builds[0]):
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
        assert [i.filename for i in infos] == sorted(i.filename for i in infos), path.name
        for info in infos:
            assert info.date_time == (1980, 1, 1, 0, 0, 0), info.filename
            assert info.external_attr >> 16 == 0o100644, info.filename


def test_a_function_zip_is_its_handler_alone(builds: tuple[Path, Path]) -> None:
    for fn in FUNCTIONS:
        with zipfile.ZipFile(builds[0] / "functions" / f"{fn}.zip") as archive:
            assert archive.namelist() == ["handler.py"]
            source = packaging.LAMBDAS / fn / "handler.py"
            assert archive.read("handler.py") == source.read_bytes()


def test_the_layer_holds_the_runtime_whole_and_its_dependencies_only(
    builds: tuple[Path, Path],
) -> None:
    with zipfile.ZipFile(builds[0] / "layer.zip") as archive:
        names = archive.namelist()
    top = {name.split("/")[1] for name in names}
    assert {
        "covid_etl",
        "requests",
        "urllib3",
        "fastjsonschema",
        "aws_lambda_powertools",
        "boto3",
    } <= top
    assert "etl_tools" not in top, "the tooling is never packaged"
    assert "bin" not in top, "machine-specific files"
    assert all(name.startswith("python/") for name in names)
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    runtime = {
        f"python/covid_etl/{p.relative_to(packaging.LIBRARY).as_posix()}"
        for p in packaging.LIBRARY.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert runtime == {n for n in names if n.startswith("python/covid_etl/")}


def runtime_modules() -> list[str]:
    """Every module of the runtime package, by dotted name."""
    return sorted(
        ".".join(
            ("covid_etl", *p.relative_to(packaging.LIBRARY).with_suffix("").parts)
        ).removesuffix(".__init__")
        for p in packaging.LIBRARY.rglob("*.py")
    )


def test_every_handler_and_runtime_module_imports_from_the_artifacts_alone(
    builds: tuple[Path, Path], tmp_path: Path
) -> None:
    """As on Lambda: the function's folder and the layer's python/ on sys.path, nothing from
    this virtualenv (a dependency missing from the layer, the SDK included, fails here), and
    every module of the layer's covid_etl imports, not only those a handler reaches."""
    site = Path(pytest.__file__).resolve().parents[1]
    with zipfile.ZipFile(builds[0] / "layer.zip") as archive:
        archive.extractall(tmp_path / "opt")
    script = f"""
import importlib.util, sys, zipfile
sys.path[:0] = [{str(tmp_path / "opt" / "python")!r}]
for fn in {list(FUNCTIONS)!r}:
    code = zipfile.ZipFile({str(builds[0] / "functions")!r} + f"/{{fn}}.zip").read("handler.py")
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(fn, loader=None))
    exec(compile(code, f"{{fn}}/handler.py", "exec"), module.__dict__)
    assert callable(module.handler), fn
for name in {runtime_modules()!r}:
    importlib.import_module(name)
leaked = [m.__file__ for m in list(sys.modules.values())
          if (getattr(m, "__file__", None) or "").startswith({str(site)!r})]
assert not leaked, leaked
print("ok")
"""
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script], check=False, capture_output=True, text=True
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_the_layer_carries_the_sdk_the_tests_ran(builds: tuple[Path, Path]) -> None:
    """The runtime's boto3 lags ours: the functions must run the pinned one, from the layer."""
    with zipfile.ZipFile(builds[0] / "layer.zip") as archive:
        names = archive.namelist()
    for name, version in PINNED_SDK.items():
        assert f"python/{name}-{version}.dist-info/METADATA" in names, name
    assert {f"{n}=={v}" for n, v in PINNED_SDK.items()} <= set(packaging.layer_requirements())


# --- the Glue job's library -----------------------------------------------------------------

GLUE_SCRIPT = packaging.REPO / "glue" / "load_job.py"


def test_the_glue_library_is_a_wheel_of_the_runtime_whole(builds: tuple[Path, Path]) -> None:
    """Every covid_etl file and the dist-info pip needs; each RECORD line hashes its file."""
    with zipfile.ZipFile(builds[0] / packaging.GLUE_LIBRARY) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    dist_info = packaging.GLUE_LIBRARY_DIST_INFO
    runtime = {
        f"covid_etl/{p.relative_to(packaging.LIBRARY).as_posix()}"
        for p in packaging.LIBRARY.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert set(files) == runtime | {dist_info + n for n in ("METADATA", "WHEEL", "RECORD")}
    assert b"Tag: py3-none-any" in files[dist_info + "WHEEL"]
    record = files[dist_info + "RECORD"].decode().splitlines()
    assert record[-1] == f"{dist_info}RECORD,,"
    for line in record[:-1]:
        name, digest, size = line.split(",")
        expected = base64.urlsafe_b64encode(hashlib.sha256(files[name]).digest()).rstrip(b"=")
        assert digest == f"sha256={expected.decode()}" and int(size) == len(files[name]), name


def test_the_glue_script_imports_the_record_module_from_the_wheel(
    builds: tuple[Path, Path],
) -> None:
    """As Glue runs it: the wheel on the path before this environment's covid_etl, and every
    covid_etl module the script reaches is Python 3.9 syntax (Glue's Python shell)."""
    wheel = str(builds[0] / packaging.GLUE_LIBRARY)
    script = f"""
import importlib.util, sys
sys.path.insert(0, {wheel!r})
spec = importlib.util.spec_from_file_location("load_job", {str(GLUE_SCRIPT)!r})
spec.loader.exec_module(importlib.util.module_from_spec(spec))
loaded = {{n: m.__file__ for n, m in sys.modules.items() if n.startswith("covid_etl")}}
assert all(path.startswith({wheel!r}) for path in loaded.values()), loaded
print(" ".join(sorted(loaded)))
"""
    result = subprocess.run(
        [sys.executable, "-I", "-c", script], check=False, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    modules = result.stdout.split()
    assert "covid_etl.records" in modules
    for name in modules:
        path = packaging.REPO / Path(*name.split(".")).with_suffix(".py")
        if not path.exists():
            path = path.with_suffix("") / "__init__.py"
        python39_syntax(path.read_text(), str(path))
    python39_syntax(GLUE_SCRIPT.read_text(), str(GLUE_SCRIPT))


def python39_syntax(source: str, filename: str) -> None:
    ast.parse(source, filename, feature_version=(3, 9))


def test_the_python39_check_refuses_newer_syntax() -> None:
    with pytest.raises(SyntaxError):
        python39_syntax("match day:\n    case _:\n        pass\n", "newer.py")


def test_terraform_ships_the_wheel_packaging_builds_to_the_glue_job(
    infra_modules: dict[str, tfconfig.Module],
) -> None:
    root = infra_modules["."]
    library = root.locals["glue_library"].replace("${local.build_dir}", "build")
    assert library == f"build/{packaging.GLUE_LIBRARY.as_posix()}"
    assert root.modules["glue"]["library_path"] == "${local.glue_library}"
    glue = infra_modules["modules/glue"]
    job = glue.resource("aws_glue_job", "load").body
    assert job["default_arguments"]["--extra-py-files"] == (
        "s3://${var.bucket_name}/${aws_s3_object.library.key}"
    )
    assert glue.variables["library_key"]["default"].endswith(packaging.GLUE_LIBRARY.name)
