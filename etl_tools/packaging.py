"""Build what Terraform deploys, reproducibly: one zip per Lambda function, the library layer
and the Glue job's copy of the library.

    build/functions/<name>.zip  lambdas/<name>/handler.py, at the zip root
    build/layer.zip             python/covid_etl/... whole (the runtime package; the tooling,
                                etl_tools, is never packaged) and the
                                library's dependencies, for Lambda's python3.11 on x86_64
    build/glue/covid_etl-0-py3-none-any.whl
                                covid_etl whole as a pure-Python wheel: the Glue job's
                                --extra-py-files (Python shell 3.9 installs wheels, not eggs)

Same inputs, same bytes: entries sorted, every timestamp 1980-01-01 00:00, every file 0644,
one compression level, no directory entries. The layer's dependencies are the ones pinned in
pyproject.toml, boto3 and botocore included, at the exact versions of the virtualenv the tests
ran in, as manylinux wheels fetched once into a cache. The runtime's own boto3 is older than
ours and changes without notice; the layer comes first on sys.path, so the functions run the
SDK the tests ran.

    python -m etl_tools.packaging              fetch missing wheels, then build
    python -m etl_tools.packaging --offline    build from the wheel cache only
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.metadata
import re
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Iterable
from pathlib import Path

from covid_etl.contract import FUNCTIONS

REPO = Path(__file__).resolve().parent.parent
BUILD_DIR = REPO / "build"  # infra/ reads ${path.root}/../build
WHEEL_DIR = REPO / ".tools" / "wheels"
LIBRARY = REPO / "covid_etl"
LAMBDAS = REPO / "lambdas"

# What the wheels must run on: Lambda's python3.11 (Amazon Linux 2023, glibc 2.34) on x86_64.
PLATFORM_ARGS = (
    "--platform", "manylinux2014_x86_64",
    "--implementation", "cp",
    "--python-version", "3.11",
    "--abi", "cp311",
    "--only-binary=:all:",
)  # fmt: skip
# Bytecode is the build machine's; Lambda compiles its own.
LIBRARY_EXCLUDED_DIRS = {"__pycache__"}
# Console scripts carry the build machine's interpreter path in their shebang.
LAYER_EXCLUDED_DIRS = {"bin", "__pycache__"}

# Version 0 always: Terraform tells two builds apart by the file's hash, not by its name.
GLUE_LIBRARY = Path("glue") / "covid_etl-0-py3-none-any.whl"
GLUE_LIBRARY_DIST_INFO = "covid_etl-0.dist-info/"

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
ZIP_FILE_MODE = 0o100644  # a regular file, rw-r--r--
ZIP_LEVEL = 9


class PackagingError(RuntimeError):
    pass


def write_zip(path: Path, entries: dict[str, bytes]) -> None:
    """Write entries (archive name -> content) so that equal entries give equal bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.external_attr = ZIP_FILE_MODE << 16
            info.create_system = 3  # unix, whatever the build machine
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, entries[name], compresslevel=ZIP_LEVEL)
    partial.replace(path)


def files_under(root: Path, excluded_dirs: set[str], prefix: str) -> dict[str, bytes]:
    """Every file under root as {prefix + relative posix path: bytes}, excluded folders left out."""
    entries = {}
    for file in root.rglob("*"):
        relative = file.relative_to(root)
        if not file.is_file() or excluded_dirs.intersection(relative.parts[:-1]):
            continue
        if file.suffix == ".pyc":
            continue
        entries[prefix + relative.as_posix()] = file.read_bytes()
    return entries


def function_entries(name: str, lambdas: Path = LAMBDAS) -> dict[str, bytes]:
    handler = lambdas / name / "handler.py"
    if not handler.is_file():
        raise PackagingError(f"{handler} is missing: every contract function needs one")
    return {"handler.py": handler.read_bytes()}


def check_function_folders(lambdas: Path = LAMBDAS) -> None:
    folders = {p.name for p in lambdas.iterdir() if p.is_dir() and not p.name.startswith("_")}
    extra = sorted(folders - set(FUNCTIONS))
    if extra:
        raise PackagingError(
            f"lambdas/ folders not in covid_etl/contract.json's functions: {extra}"
        )


def layer_requirements(pyproject: Path = REPO / "pyproject.toml") -> list[str]:
    """The library's pinned dependencies, the SDK among them."""
    return tomllib.loads(pyproject.read_text())["project"]["dependencies"]


def environment_constraints() -> list[str]:
    """``name==version`` of every distribution of this environment (the virtualenv built from
    pyproject.toml), so the layer's transitive dependencies are the versions the tests ran with."""
    pins = {}
    for dist in importlib.metadata.distributions():
        name = _distribution_name(dist.metadata["Name"])
        if name != "covid-etl":
            pins[name] = f"{name}=={dist.version}"
    return [pins[name] for name in sorted(pins)]


def _distribution_name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pip_on_layer_requirements(args: Iterable[str]) -> None:
    """Run pip on the layer's requirements for Lambda's platform, constrained to the versions of
    this environment."""
    with tempfile.TemporaryDirectory() as tmp:
        constraints = Path(tmp) / "constraints.txt"
        constraints.write_text("\n".join(environment_constraints()) + "\n")
        command = [
            sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet",
            *args,
            "--constraint", str(constraints),
            *PLATFORM_ARGS,
            *layer_requirements(),
        ]  # fmt: skip
        result = subprocess.run(command, check=False, capture_output=True, text=True)
    if result.returncode != 0:
        raise PackagingError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")


def fetch_wheels(wheel_dir: Path = WHEEL_DIR) -> None:
    """Download the layer's wheels into the cache (needs the package index)."""
    wheel_dir.mkdir(parents=True, exist_ok=True)
    _pip_on_layer_requirements(["download", "--dest", str(wheel_dir)])


def dependency_entries(wheel_dir: Path = WHEEL_DIR) -> dict[str, bytes]:
    """The layer's dependencies installed from the wheel cache alone, as python/... entries."""
    if not any(wheel_dir.glob("*.whl")):
        raise PackagingError(
            f"no wheels in {wheel_dir}: run `python -m etl_tools.packaging` (or `make package`) "
            "once with access to the package index"
        )
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "python"
        _pip_on_layer_requirements(
            ["install", "--no-index", "--find-links", str(wheel_dir), "--target", str(target),
             "--no-compile"]
        )  # fmt: skip
        return files_under(target, LAYER_EXCLUDED_DIRS, "python/")


def layer_entries(wheel_dir: Path = WHEEL_DIR, library: Path = LIBRARY) -> dict[str, bytes]:
    entries = dependency_entries(wheel_dir)
    entries.update(files_under(library, LIBRARY_EXCLUDED_DIRS, "python/covid_etl/"))
    return entries


def glue_library_entries(library: Path = LIBRARY) -> dict[str, bytes]:
    """covid_etl as a wheel: the package and the dist-info pip installs it by. No dependency is
    declared: the job imports covid_etl's pure modules only (stdlib), beside Glue's boto3."""
    entries = files_under(library, LIBRARY_EXCLUDED_DIRS, "covid_etl/")
    dist_info = GLUE_LIBRARY_DIST_INFO
    entries[dist_info + "METADATA"] = b"Metadata-Version: 2.1\nName: covid-etl\nVersion: 0\n"
    entries[dist_info + "WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: etl_tools.packaging\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n"
    )
    record = [
        f"{name},sha256={_urlsafe_sha256(content)},{len(content)}"
        for name, content in sorted(entries.items())
    ]
    entries[dist_info + "RECORD"] = "".join(
        f"{line}\n" for line in [*record, f"{dist_info}RECORD,,"]
    ).encode()
    return entries


def _urlsafe_sha256(content: bytes) -> str:
    """A wheel RECORD's hash: urlsafe base64 of the sha256 digest, unpadded."""
    return base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()


def build(out_dir: Path = BUILD_DIR, wheel_dir: Path = WHEEL_DIR) -> list[Path]:
    """Write out_dir/functions/<name>.zip for each function, out_dir/layer.zip and the Glue
    job's library wheel."""
    check_function_folders()
    written = []
    for name in FUNCTIONS:
        path = out_dir / "functions" / f"{name}.zip"
        write_zip(path, function_entries(name))
        written.append(path)
    layer = out_dir / "layer.zip"
    write_zip(layer, layer_entries(wheel_dir))
    written.append(layer)
    glue_library = out_dir / GLUE_LIBRARY
    write_zip(glue_library, glue_library_entries())
    written.append(glue_library)
    return written


def base64_sha256(path: Path) -> str:
    """The hash Terraform's filebase64sha256() gives: what source_code_hash compares."""
    return base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=BUILD_DIR, help="build folder (default: build)")
    parser.add_argument("--wheels", type=Path, default=WHEEL_DIR, help="wheel cache folder")
    parser.add_argument("--offline", action="store_true", help="use the wheel cache only")
    parser.add_argument(
        "--fetch-only", action="store_true", help="fill the wheel cache, build nothing"
    )
    args = parser.parse_args(argv)
    try:
        if not args.offline:
            fetch_wheels(args.wheels)
        if args.fetch_only:
            print(f"wheels of {', '.join(layer_requirements())} in {args.wheels}")
            return 0
        for path in build(args.out, args.wheels):
            shown = path.relative_to(REPO) if path.is_relative_to(REPO) else path
            print(f"{shown}  {path.stat().st_size:>9} bytes  sha256 {base64_sha256(path)}")
    except PackagingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
