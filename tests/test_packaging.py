"""What an install carries and that an installed livecut reads nothing of the checkout.  The
wheel's tree is laid out here as pyproject.toml tells hatchling to build it (its packages and
force-include, of the files git tracks): no build backend and no network needed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import cv2
import pytest

from conftest import REPO
from synth import make_scene

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


def _tracked() -> list[str]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [p for p in out.decode().split("\0") if p]


def _wheel_files() -> dict[str, str]:
    """The wheel's files (path in the wheel -> path in the checkout), as hatchling builds them."""
    wheel = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]
    tracked = _tracked()
    files = {p: p for pkg in wheel["packages"] for p in tracked if p.startswith(pkg.rstrip("/") + "/")}
    for src, dst in wheel.get("force-include", {}).items():
        for p in tracked:
            if p.startswith(src.rstrip("/") + "/"):
                files[dst.rstrip("/") + p[len(src.rstrip("/")):]] = p
    return files


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """site-packages holding livecut as its wheel installs it."""
    site = tmp_path_factory.mktemp("site-packages")
    for inside, src in _wheel_files().items():
        (site / inside).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / src, site / inside)
    return site


def test_the_wheel_carries_the_networks_the_presets_and_the_split():
    from livecut.segment import net

    files = _wheel_files()
    for name in net.SHIPPED:
        assert f"livecut/models/{name}" in files, name
        assert f"livecut/models/{Path(name).stem}.json" in files, name  # (its provenance)
    assert "livecut/models/cuhk_split.json" in files
    presets = sorted(Path(p).name for p in files if p.startswith("livecut/_presets/"))
    assert presets == sorted(p.name for p in (REPO / "config").glob("*.toml")) and "default.toml" in presets
    assert not [p for p in files if "/tests/" in p or p.startswith(("tests/", "tools/"))]


def test_an_installed_livecut_runs_from_another_folder_without_the_checkout(installed, tmp_path):
    """Every preset, every network, the split and the CLI, from a folder outside the checkout
    with only the installed tree on the path."""
    img, _ = make_scene("basic", 160, 120, seed=0)
    assert cv2.imwrite(str(tmp_path / "photo.png"), img)
    script = (
        "import sys, livecut\n"
        "from pathlib import Path\n"
        "from livecut.config import load_config, presets_dir\n"
        "from livecut.evaluate import read_subset\n"
        "from livecut.segment import net\n"
        f"assert Path(livecut.__file__).resolve().is_relative_to({str(installed.resolve())!r}), livecut.__file__\n"
        "assert presets_dir().resolve() == Path(livecut.__file__).resolve().parent / '_presets'\n"
        "for p in sorted(presets_dir().glob('*.toml')): load_config(p.stem)\n"
        "for name in net.SHIPPED: net.load_net(net.model_path(name))\n"
        "assert len(read_subset('livecut/models/cuhk_split.json:val')) == 100\n"
        "print('ok')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(installed)
    r = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr
    for preset in sorted(p.stem for p in (installed / "livecut" / "_presets").glob("*.toml")):
        r = subprocess.run([sys.executable, "-m", "livecut", "image", "photo.png", "-o", f"cut_{preset}",
                            "-c", preset],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and (tmp_path / f"cut_{preset}" / "photo.png").is_file(), (preset, r.stderr)


def test_the_version_and_the_entry_point():
    import importlib

    import livecut

    assert PYPROJECT["project"]["version"] == livecut.__version__
    for name, target in PYPROJECT["project"]["scripts"].items():
        module, func = target.split(":")
        assert callable(getattr(importlib.import_module(module), func)), (name, target)
    assert "livecut" in PYPROJECT["project"]["scripts"]


def test_the_dependencies_leave_out_the_versions_livecut_does_not_run_on():
    """A fresh install on Python 3.12 or newer (Ubuntu 24.04's) took av 19.0, the first release
    for them, whose av.open takes no metadata_errors=: every `livecut file` was 'internal error:
    TypeError: open() got an unexpected keyword argument 'metadata_errors''."""
    from packaging.requirements import Requirement

    reqs = {r.name: r.specifier for r in map(Requirement, PYPROJECT["project"]["dependencies"])}
    assert "metadata_errors=" in (REPO / "livecut" / "sources" / "file.py").read_text()
    assert not reqs["av"].contains("19.0.0") and reqs["av"].contains("18.1.0")


def test_the_extras_the_messages_name_are_declared():
    """An error that says `pip install -e '.[NAME]'` names an extra pyproject.toml declares, holding
    the package the feature imports."""
    extras = PYPROJECT["project"]["optional-dependencies"]
    named = set()
    for path in (REPO / "livecut").rglob("*.py"):
        named.update(re.findall(r"\.\[(\w+)\]", path.read_text(encoding="utf-8")))
    assert named >= {"vcam", "heic", "ray"}, named
    for extra in named:
        assert extra in extras, extra
    wants = {"vcam": "pyvirtualcam", "heic": "pillow-heif", "ray": "ray"}
    for extra, package in wants.items():
        assert any(re.match(rf"{re.escape(package)}\b", req) for req in extras[extra]), (extra, extras[extra])


def test_what_the_tests_skip_without_is_installed_by_install_sh_dev():
    """A test that skips itself without a package (pytest.importorskip) runs in CI: the extras
    `./install.sh --dev` installs hold that package, or the project's own dependencies do (the
    training tools' four tests, which need onnx and onnxruntime, were skipped in every CI run)."""
    text = (REPO / "install.sh").read_text()
    found = re.search(r'\[ "\$dev" = 1 \] && extras="([\w,]+)"', text)
    assert found, "install.sh's --dev extras not found"
    extras = PYPROJECT["project"]["optional-dependencies"]
    reqs = list(PYPROJECT["project"]["dependencies"])
    for extra in found.group(1).split(","):
        reqs += extras[extra]
    installed = {re.match(r"[A-Za-z0-9_.-]+", r).group(0).lower().replace("-", "_") for r in reqs}
    skipped = set()
    for path in (REPO / "tests").glob("*.py"):
        skipped.update(re.findall(r'importorskip\("(\w+)"', path.read_text(encoding="utf-8")))
    assert skipped, "no importorskip found: the pattern is stale"
    modules = {"pillow_heif": "pillow_heif", "av": "av"}  # (module -> its distribution, where they differ)
    missing = {m for m in skipped if modules.get(m, m) not in installed}
    assert not missing, f"tests skip without {sorted(missing)}, which ./install.sh --dev does not install"


def test_install_sh_help_names_what_dev_adds():
    """`./install.sh --help` said --dev adds "pytest, Ray, pillow-heif, GStreamer's RTSP server":
    pillow-heif the plain install has already (the heic extra), onnx and onnxruntime, which --dev
    adds, unnamed.  Its --dev line names each Python package --dev adds, and none the plain install has."""
    text = (REPO / "install.sh").read_text()
    plain = re.search(r'^extras="([\w,]+)"', text, re.M).group(1).split(",")
    dev = re.search(r'\[ "\$dev" = 1 \] && extras="([\w,]+)"', text).group(1).split(",")
    extras = PYPROJECT["project"]["optional-dependencies"]

    def names(which: list[str]) -> set[str]:
        return {re.match(r"[A-Za-z0-9_.-]+", r).group(0).lower() for x in which for r in extras[x]}

    help_text = subprocess.run(["bash", str(REPO / "install.sh"), "--help"], capture_output=True, text=True,
                               check=True).stdout
    line = next(ln for ln in help_text.splitlines() if "--dev" in ln and "install.sh --dev" in ln).lower()
    said = set(re.findall(r"[a-z0-9][a-z0-9_.-]*", line))
    assert not names(dev) - names(plain) - said, (sorted(names(dev) - names(plain) - said), line)
    assert not names(plain) & said, (sorted(names(plain) & said), line)


def test_the_messages_name_no_checkout_file_as_if_it_were_installed():
    """'livecut file x.mp4 --vcam' without a virtual camera said '... see docs/virtual-camera.md',
    a file the wheel does not carry (an installed livecut has none): a message or help text that
    names a file of the checkout outside the wheel (docs/, tools/) says it is in the checkout."""
    import ast

    shipped = set(_wheel_files().values())
    named = []
    for path in sorted((REPO / "livecut").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                      and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                for file in re.findall(r"(?<![\w/.])((?:docs|tools)/[\w./-]*\w)", node.value):
                    named.append(file)
                    assert file in shipped or "checkout" in node.value, (path.name, node.lineno, node.value)
    assert "docs/virtual-camera.md" in " ".join(named), named


def test_the_python_asked_for_is_the_one_the_readme_and_install_sh_say():
    major, minor = re.fullmatch(r">=(\d+)\.(\d+)", PYPROJECT["project"]["requires-python"]).groups()
    assert f"Python {major}.{minor} or newer" in (REPO / "README.md").read_text()
    assert f"sys.version_info < ({major}, {minor})" in (REPO / "install.sh").read_text()


def test_the_license_the_metadata_names_is_shipped():
    """pyproject.toml said MIT, but the checkout (and so the sdist and the wheel, which carry a
    LICENSE file at the top as hatchling finds it) held no license text."""
    assert PYPROJECT["project"]["license"] == {"text": "MIT"}
    assert "LICENSE" in _tracked()
    assert (REPO / "LICENSE").read_text().startswith("MIT License\n")
