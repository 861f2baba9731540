"""The Jenkinsfile: it lints, and every make target and etl subcommand it calls exists.

Jenkins itself cannot run here, so these checks stand in for a first build: a syntax error or a
call to a target nobody wrote would otherwise surface only on the build server.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from covid_etl.contract import FUNCTIONS
from etl_tools import deploy, packaging
from etl_tools.cli import build_parser

REPO = Path(__file__).resolve().parents[2]
JENKINSFILE = REPO / "Jenkinsfile"
MAKEFILE = REPO / "Makefile"
GROOVY_LINT = REPO / "tests" / "tools" / "node_modules" / ".bin" / "npm-groovy-lint"

# The sh step's three quotings: '''...''' / """...""" (multi-line), '...', "...".
_SH_STEP = re.compile(
    r"""\bsh\s+(?:'''(.*?)'''|\"\"\"(.*?)\"\"\"|'([^'\n]*)'|"([^"\n]*)")""", re.DOTALL
)
_ANY_SH = re.compile(r"\bsh\b(?=\s*[('\"]|\s+script\s*:)")
# A rule line "target [target...]: ..." (not a variable assignment ":=", not a recipe line).
_RULE = re.compile(r"^([A-Za-z0-9_./-][^:=#\t]*?)\s*::?(?!=)", re.MULTILINE)
_ETL_IN_RECIPE = re.compile(r"\$\(ETL\)\s+([A-Za-z][\w-]*)")


# --- npm-groovy-lint ---------------------------------------------------------------------------


# The JVM's quick start: the C1 compiler only and the serial GC halve the CPU a lint takes
# (~30 s -> ~14 s here), and the findings are the same.
JAVA_OPTIONS = "-Xms256m,-Xmx2048m,-XX:TieredStopAtLevel=1,-XX:+UseSerialGC"


@dataclass
class Lint:
    returncode: int
    errors: dict[str, list[str]]  # per linted file (its folder's name): its error-level findings
    stderr: str


def groovy_lint(folder: Path, files: list[str]) -> Lint:
    """The Makefile's lint of the Jenkinsfile, on several files in one JVM (its start is most
    of a lint's cost); --noserver so no CodeNarc daemon outlives it."""
    assert GROOVY_LINT.exists(), "npm-groovy-lint is not installed: run `make tools`"
    assert shutil.which("java"), "npm-groovy-lint needs a Java runtime (17+) on PATH"
    result = subprocess.run(
        [str(GROOVY_LINT), "--noserver", "--failon", "error", "--output", "json"]
        + [f"--javaoptions={JAVA_OPTIONS}", *files],
        check=False,
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(result.stdout)
    errors = {
        Path(path).parent.name: [
            f"{error['rule']} line {error.get('line')}: {error['msg'][:120]}"
            for error in file["errors"]
            if error["severity"] == "error"
        ]
        for path, file in report["files"].items()
    }
    return Lint(result.returncode, errors, result.stderr)


def broken(jenkinsfile: str) -> str:
    """The Jenkinsfile without the closing brace of its stages block: it no longer parses."""
    cut = jenkinsfile.rindex("\n    }\n}")
    return jenkinsfile[:cut] + jenkinsfile[cut + len("\n    }") :]


@pytest.fixture(scope="module")
def lint(tmp_path_factory: pytest.TempPathFactory) -> Lint:
    """The Jenkinsfile and a broken copy, linted together with the repository's rules."""
    folder = tmp_path_factory.mktemp("groovy-lint")
    shutil.copy(REPO / ".groovylintrc.json", folder)
    for name, text in (
        ("real", JENKINSFILE.read_text()),
        ("broken", broken(JENKINSFILE.read_text())),
    ):
        (folder / name).mkdir()
        (folder / name / "Jenkinsfile").write_text(text)
    return groovy_lint(folder, ["real/Jenkinsfile", "broken/Jenkinsfile"])


def test_jenkinsfile_passes_groovy_lint(lint: Lint) -> None:
    assert lint.errors["real"] == [], lint.stderr


def test_groovy_lint_fails_a_jenkinsfile_with_a_syntax_error(lint: Lint) -> None:
    assert lint.returncode == 1  # --failon error: the broken file's error fails the lint
    assert any(error.startswith("NglParseError") for error in lint.errors["broken"])


# --- The calls: make targets, etl subcommands ---------------------------------------------------


@dataclass
class Calls:
    make_targets: set[str] = field(default_factory=set)
    etl_subcommands: set[str] = field(default_factory=set)


def sh_scripts(jenkinsfile: str) -> list[str]:
    code = "\n".join(
        line for line in jenkinsfile.splitlines() if not line.lstrip().startswith("//")
    )
    scripts = [next(g for g in m.groups() if g is not None) for m in _SH_STEP.finditer(code)]
    # A quoting this parser does not know would hide calls from the check: refuse it instead.
    assert len(scripts) == len(_ANY_SH.findall(code)), "an sh step this check cannot parse"
    return scripts


def calls_in(jenkinsfile: str) -> Calls:
    calls = Calls()
    for script in sh_scripts(jenkinsfile):
        for command in re.split(r"&&|\|\||;|\n", script.replace("\\\n", " ")):
            argv = shlex.split(command)
            if not argv:
                continue
            words = [a for a in argv[1:] if not a.startswith("-") and "=" not in a]
            if argv[0] == "make":
                calls.make_targets.update(words)
            elif Path(argv[0]).name == "etl" and words:
                calls.etl_subcommands.add(words[0])
    return calls


def makefile_targets(makefile: str) -> set[str]:
    return {t for m in _RULE.finditer(makefile) for t in m.group(1).split()}


def etl_subcommands() -> set[str]:
    parser = build_parser()
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return {name for action in actions for name in action.choices}


def missing_calls(jenkinsfile: str, makefile: str, subcommands: set[str]) -> list[str]:
    """What the Jenkinsfile calls that does not exist (etl subcommands: also via make recipes)."""
    calls = calls_in(jenkinsfile)
    calls.etl_subcommands |= set(_ETL_IN_RECIPE.findall(makefile))
    targets = makefile_targets(makefile)
    return [f"make {t}" for t in sorted(calls.make_targets - targets)] + [
        f"etl {c}" for c in sorted(calls.etl_subcommands - subcommands)
    ]


def test_the_jenkinsfile_calls_the_pipeline_stages() -> None:
    """The parser finds the calls at all (an empty result would make the next test vacuous)."""
    calls = calls_in(JENKINSFILE.read_text())
    assert calls.make_targets == {
        "install",
        "tools",
        "lint",
        "test",
        "package",
        "bootstrap",
        "plan",
        "deploy",
        "smoke",
        "destroy",
    }


def test_every_make_target_and_etl_subcommand_the_jenkinsfile_calls_exists() -> None:
    assert missing_calls(JENKINSFILE.read_text(), MAKEFILE.read_text(), etl_subcommands()) == []


def test_calls_to_missing_targets_and_subcommands_are_reported() -> None:
    makefile = (
        "ETL := .venv/bin/etl\nlint test: install\n\t$(ETL) run\nsmoke:\n\t$(ETL) smoke --env x\n"
    )
    jenkinsfile = """
        // sh 'make commented-out'
        stage('Lint') { steps { sh 'make lint' } }
        stage('Test') { steps { sh '''
            make test ARGS="--junitxml=out.xml \\
                --cov=covid_etl" && make smoke ENV="$ENVIRONMENT"
        ''' } }
        stage('Deploy') { steps { sh "make deploy-everything ENV=dev" } }
        stage('Report') { steps { sh '.venv/bin/etl dashboard --env dev' } }
    """
    assert missing_calls(jenkinsfile, makefile, {"run", "smoke"}) == [
        "make deploy-everything",
        "etl dashboard",
    ]
    assert missing_calls(jenkinsfile, makefile, {"run"}) == [
        "make deploy-everything",
        "etl dashboard",
        "etl smoke",
    ]


def test_an_sh_step_the_check_cannot_parse_fails_it() -> None:
    with pytest.raises(AssertionError, match="cannot parse"):
        calls_in("steps { sh(script: 'make nothing-here') }")


# --- What the issue asks of the pipeline itself -----------------------------------------------


def test_the_pipeline_has_the_required_options_parameters_and_approvals() -> None:
    text = JENKINSFILE.read_text()
    for required in (
        "timestamps()",
        "timeout(time:",
        "disableConcurrentBuilds()",
        "buildDiscarder(",
        "choice(name: 'ENVIRONMENT'",
        "name: 'ACTION'",
        "name: 'RUN_SMOKE_TEST'",
        "junit testResults:",
        "archiveArtifacts",
        "cleanWs()",
        "AmazonWebServicesCredentialsBinding",
    ):
        assert required in text, f"Jenkinsfile lacks {required}"
    stages = re.findall(r"stage\('([^']+)'\)", text)
    assert stages.index("Approve apply") < stages.index("Apply") < stages.index("Smoke test")
    destroy = text[text.index("stage('Destroy')") :]
    assert destroy.index("input {") < destroy.index("make destroy")


def test_no_aws_secret_in_the_jenkinsfile() -> None:
    text = JENKINSFILE.read_text()
    assert not re.search(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b", text)
    assert not re.search(r"AWS_(SECRET_ACCESS_KEY|SESSION_TOKEN|ACCESS_KEY_ID)\s*=", text)


def test_each_environment_choice_is_deployable_in_the_pipelines_region() -> None:
    """The ENVIRONMENT choices have Terraform settings whose region is the one the steps use."""
    text = JENKINSFILE.read_text()
    choices = re.search(r"choice\(name: 'ENVIRONMENT', choices: \[([^\]]*)\]", text)
    region = re.search(r"AWS_DEFAULT_REGION = '([^']+)'", text)
    assert choices and region
    for environment in re.findall(r"'([^']+)'", choices.group(1)):
        tfvars = REPO / "infra" / "environments" / f"{environment}.tfvars"
        assert tfvars.is_file(), f"no {tfvars.relative_to(REPO)} for the {environment} choice"
        found = re.search(r'^region\s*=\s*"([^"]+)"', tfvars.read_text(), re.MULTILINE)
        assert found and found.group(1) == region.group(1), f"{tfvars.name}: region differs"


# --- The agent model: no executor held at the top or through an approval ----------------------


@dataclass
class Stage:
    name: str
    own: str  # the stage's text without its nested stages
    parent: Stage | None


def _block_end(text: str, start: int) -> int:
    """Index just past the brace that closes the one at start."""
    depth = 0
    for index in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return index + 1
    raise AssertionError("unbalanced braces")


def stages_of(text: str, parent: Stage | None = None) -> list[Stage]:
    found = []
    position = 0
    while match := re.compile(r"stage\('([^']+)'\)\s*\{").search(text, position):
        end = _block_end(text, match.end() - 1)
        inner = text[match.end() : end - 1]
        nested = re.search(r"\bstages\s*\{", inner)
        own = inner
        stage = Stage(match.group(1), own, parent)
        if nested:
            nested_end = _block_end(inner, nested.end() - 1)
            stage.own = inner[: nested.start()] + inner[nested_end:]
            found.append(stage)
            found += stages_of(inner[nested.start() : nested_end], stage)
        else:
            found.append(stage)
        position = end
    return found


def _has_agent(stage: Stage | None) -> bool:
    while stage is not None:
        if re.search(r"\bagent\s*\{", stage.own):
            return True
        stage = stage.parent
    return False


def agent_problems(jenkinsfile: str) -> list[str]:
    code = "\n".join(l for l in jenkinsfile.splitlines() if not l.lstrip().startswith("//"))
    problems = []
    top = code[code.index("pipeline {") :]
    if not re.search(r"^    agent none$", top, re.MULTILINE):
        problems.append("the pipeline's agent is not `none`: it holds an executor throughout")
    for stage in stages_of(top):
        if "input {" in stage.own and _has_agent(stage.parent):
            problems.append(f"stage {stage.name!r} waits for input inside an agent")
        if re.search(r"\bsh\s", stage.own) and not _has_agent(stage):
            problems.append(f"stage {stage.name!r} runs sh with no agent")
    for agent in re.findall(r"\bagent\s*\{[^}]*\}", code):
        if "filename 'ci/Dockerfile'" not in agent:
            problems.append(f"an agent without the declared toolchain: {' '.join(agent.split())}")
    return problems


def test_no_executor_is_held_at_the_top_or_through_an_approval() -> None:
    text = JENKINSFILE.read_text()
    assert {s.name for s in stages_of(text)} >= {"Build", "Test", "Approve apply", "Apply"}
    assert agent_problems(text) == []


def test_the_agent_check_rejects_agent_any_and_an_input_inside_an_agent() -> None:
    old = """
pipeline {
    agent any

    stages {
        stage('Deliver') {
            agent { label 'linux' }
            stages {
                stage('Approve') {
                    input { message 'ok?' }
                    steps { echo 'ok' }
                }
            }
        }
        stage('Test') {
            steps { sh 'make test' }
        }
    }
}
"""
    assert agent_problems(old) == [
        "the pipeline's agent is not `none`: it holds an executor throughout",
        "stage 'Approve' waits for input inside an agent",
        "stage 'Test' runs sh with no agent",
        "an agent without the declared toolchain: agent { label 'linux' }",
    ]


def test_the_agent_image_declares_the_toolchain() -> None:
    dockerfile = (REPO / "ci" / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11\.", dockerfile, re.MULTILINE)
    assert "ARG NODE_MAJOR=20" in dockerfile and "nodejs" in dockerfile
    assert "openjdk-17-jre-headless" in dockerfile  # npm-groovy-lint's CodeNarc
    assert "chromium" in dockerfile  # the browser test, installed at image build, as root
    version = re.search(r"ARG TERRAFORM_VERSION=(\d+)\.(\d+)\.\d+", dockerfile)
    assert version and tuple(map(int, version.groups())) >= deploy.MIN_TERRAFORM


def test_prod_is_never_destroyed_by_the_pipeline() -> None:
    text = JENKINSFILE.read_text()
    destroy = next(s for s in stages_of(text) if s.name == "Destroy")
    assert "params.ENVIRONMENT != 'prod'" in destroy.own
    refuse = next(s for s in stages_of(text) if s.name == "Refuse prod destroy")
    assert "params.ENVIRONMENT == 'prod'" in refuse.own and "error " in refuse.own


@pytest.mark.parametrize(("ci", "expected"), [("true", "CI agent"), ("", "install it")])
def test_make_browser_installs_nothing_as_root_on_ci(
    tmp_path: Path, ci: str, expected: str
) -> None:
    """No chromium on PATH: on CI a clear error, never apt-get; elsewhere the install path."""
    result = subprocess.run(
        ["/usr/bin/make", "-s", "-C", str(REPO), "browser"],
        env={"PATH": str(tmp_path), "CI": ci},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and expected in result.stderr, result.stderr


# --- the build stash ---------------------------------------------------------------------------

# What `make package` builds and Terraform reads from build/ on the apply agent.
BUILD_ARTIFACTS = [
    *(f"build/functions/{fn}.zip" for fn in FUNCTIONS),
    "build/layer.zip",
    f"build/{packaging.GLUE_LIBRARY.as_posix()}",
]


def unstashed(includes: str, artifacts: list[str]) -> list[str]:
    """The artifacts a stash's Ant includes (comma-separated) leave behind."""
    # fnmatch's "*" crosses "/", so Ant's "**/" is dropped and "build/*.zip" covers subfolders.
    patterns = [pattern.strip().replace("**/", "") for pattern in includes.split(",")]
    return [a for a in artifacts if not any(fnmatch.fnmatch(a, p) for p in patterns)]


def test_the_build_stash_carries_every_artifact_terraform_reads() -> None:
    found = re.search(r"stash name: 'build', includes: '([^']+)'", JENKINSFILE.read_text())
    assert found, "no stash named build in the Jenkinsfile"
    assert unstashed(found.group(1), BUILD_ARTIFACTS) == []


def test_a_stash_of_the_zips_alone_leaves_the_glue_wheel_behind() -> None:
    assert unstashed("build/**/*.zip", BUILD_ARTIFACTS) == [BUILD_ARTIFACTS[-1]]
