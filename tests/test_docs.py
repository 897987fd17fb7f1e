"""The README's commands: the quick start is what CI runs, and every command shown runs in a
fresh clone (no path outside the checkout, every file it names is shipped or made by it)."""

from __future__ import annotations

import re
import shlex
import subprocess

import pytest

from conftest import REPO

README = (REPO / "README.md").read_text()


def _sh_lines() -> list[str]:
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", README, re.S):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line:
                lines.append(line)
    return lines


def _git_checkout() -> None:
    """Skips a test that asks git about the checkout where there is none: a release's source archive
    (GitHub's "Download ZIP", `git archive`) holds no .git, and git said "fatal: not a git repository"."""
    try:
        r = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=REPO, capture_output=True, text=True)
    except OSError:
        pytest.skip("git is not installed")
    if r.returncode != 0 or r.stdout.strip() != "true":
        pytest.skip("not a git checkout")


def test_no_merge_conflict_is_left_in_the_docs():
    """A merge's conflict markers (<<<<<<<, =======, >>>>>>>) left in the README or docs/ showed
    both sides of a table row and the markers to a reader; nothing else checked for them."""
    _git_checkout()
    files = subprocess.run(["git", "ls-files", "*.md", "*.py", "*.toml"], cwd=REPO, capture_output=True,
                           text=True, check=True).stdout.split()
    marked = [f"{f}:{i}" for f in files if (REPO / f).is_file()
              for i, line in enumerate((REPO / f).read_text(errors="replace").splitlines(), 1)
              if re.match(r"(<{7}|>{7})( |$)", line)]
    assert not marked, marked


def test_ci_runs_the_quick_start_test_line():
    ci = [ln for ln in (REPO / ".ci/run").read_text().splitlines() if ln and not ln.startswith("#")]
    assert ci[-1] in _sh_lines(), ci[-1]
    quick = README[README.index("## Quick start"):]
    first, second = re.search(r"```sh\n(.*?)```", quick, re.S).group(1).strip().splitlines()
    assert first.startswith("./install.sh && ") and "sample_videos/" in first
    assert second == ci[-1] and second.startswith("./install.sh --dev && ")


def test_the_quick_starts_short_test_run_names_test_files_that_exist():
    """The quick start says how long the whole suite takes and names a few test files to run for a
    quick check: they are shipped (one renamed or removed would make the line fail)."""
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "about 4500 tests" in quick
    m = re.search(r"`\.venv/bin/python -m pytest -q ((?:tests/\w+\.py ?)+)`", " ".join(quick.split()))
    assert m, "the quick start's short test run is gone"
    for name in m.group(1).split():
        assert (REPO / name).is_file(), name


def test_the_readmes_links_to_its_sections_lead_to_a_heading():
    """The README links to its own sections by anchor (the contents, More examples' pointers to the
    reference sections): each leads to a heading there, as GitHub names its anchor."""
    text = re.sub(r"```.*?```", "", README, flags=re.S)
    anchors = {re.sub(r"[^\w\- ]", "", h.replace("`", "").lower()).replace(" ", "-")
               for h in re.findall(r"^#{1,6} (.*)$", text, re.M)}
    links = re.findall(r"\]\(#([^)]+)\)", text)
    assert len(links) >= 15, links
    assert not [link for link in links if link not in anchors], sorted(anchors)


def test_how_it_works_is_read_in_short_lines_each_step_led_by_what_it_does():
    """README's How it works had paragraphs of thousands of characters (step 3 held a line of 2,300),
    the what and why of a step buried among its constants and measurements; each step now opens
    with a sentence or two of what it does and why, its details in sub-bullets, every line wrapped."""
    section = README.split("\n## How it works\n", 1)[1].split("\n## Quality and speed\n", 1)[0]
    text = re.sub(r"```.*?```", "", section, flags=re.S)
    assert not [ln for ln in text.splitlines() if len(ln) > 120 and not ln.lstrip().startswith("|")]
    leads = re.findall(r"^\d+\. (.*?)(?=^ +- |^\d+\. |^$)", text, re.S | re.M)
    assert len(leads) == 4, leads
    assert all(len(" ".join(lead.split())) <= 450 for lead in leads), leads


def test_many_files_many_machines_is_read_in_short_lines_each_part_led_by_what_it_does():
    """README's Many files, many machines had lines of 400-650 characters (the manifest's fields one
    of 657, --list one of 475), a part's what and why buried among its details; each part (inputs,
    outputs, modes, parallel, resumable, honest) now opens with a sentence or two of what it does and
    why, its details in sub-bullets, every line wrapped."""
    section = README.split("\n## Many files, many machines\n", 1)[1].split("\n## How it works\n", 1)[0]
    text = re.sub(r"```.*?```", "", section, flags=re.S)
    assert not [ln for ln in text.splitlines() if len(ln) > 120 and not ln.lstrip().startswith("|")]
    leads = re.findall(r"^- \*\*(\w[\w ]*)\.\*\* (.*?)(?=^ +- )", text, re.S | re.M)
    assert [name for name, _ in leads] == ["Inputs", "Outputs", "Modes and backgrounds", "Parallel", "Resumable",
                                           "Honest"], leads
    assert all(len(" ".join(lead.split())) <= 350 for _, lead in leads), leads


def test_quality_and_speed_is_read_in_short_lines_each_part_led_by_what_it_measures():
    """README's Quality and speed had lines of 200-700 characters outside its tables (eval's masks one
    of 698, the bench's notes, the int8 networks' paragraph), a measure's headline number buried among
    its conditions and the history of each speed-up; each subsection and each part now opens with a
    sentence or two of what it measures, its details in sub-bullets, the speed-ups gathered last in
    "How the speed was reached", every line outside code and tables wrapped."""
    section = README.split("\n## Quality and speed\n", 1)[1].split("\n## ", 1)[0]
    text = re.sub(r"```.*?```", "", section, flags=re.S)
    assert not [ln for ln in text.splitlines() if len(ln) > 120 and not ln.lstrip().startswith("|")]
    subsections = re.findall(r"^### ([^\n]+)\n\n(.*?)\n\n", text, re.M | re.S)
    assert subsections and subsections[-1][0] == "How the speed was reached", [name for name, _ in subsections]
    for name, lead in subsections:  # a plain sentence or two, not a list, a table or a figure
        assert not lead.startswith(("- ", "|", "!", "**")) and len(" ".join(lead.split())) <= 450, (name, lead)
    parts = re.findall(r"^(?:- )?\*\*([^*\n]+)\*\*(.*?)(?=\n *- |\n\n)", text, re.M | re.S)
    assert len(parts) >= 25, parts
    assert all(len(" ".join(lead.split())) <= 450 for _, lead in parts), parts


# The reference sections restructured as How it works was: each part led by a sentence or two, its details in
# sub-bullets, every line wrapped (tables and code blocks as they are).
SHORT_LINED_SECTIONS = ["Photos: formats, transparency and metadata", "Photos: which files are cut, and where to",
                        "Configuration", "Library", "Limits"]


def test_the_reference_sections_are_read_in_short_lines():
    """README's reference sections (photos' formats and outputs, configuration, the library, limits) had
    lines of up to 750 characters outside tables (a photo's resolution one of 577, a TIFF's refusals 428, the
    library's threads 751), the what of a part buried in a paragraph of its exceptions; each part now opens
    with a plain sentence or two, its details in sub-bullets, and no line outside a table or a code block is
    over 120 characters."""
    for title in SHORT_LINED_SECTIONS:
        section = README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]
        text = re.sub(r"```.*?```", "", section, flags=re.S)
        long = [ln for ln in text.splitlines() if len(ln) > 120 and not ln.lstrip().startswith("|")]
        assert not long, (title, long)


def test_readme_commands_stay_inside_the_checkout():
    for line in _sh_lines():
        for word in shlex.split(line):
            arg = word.split(":", 1)[1] if word.startswith(("image:", "video:")) else word
            assert not arg.startswith(("../", "/")), line
            if re.match(r"(sample_videos|docs|config)/", arg) and "*" not in arg:
                made = any(arg in ln.split(">")[-1] for ln in _sh_lines() if ">" in ln)
                assert (REPO / arg).exists() or made, f"{arg} (in: {line}) is not shipped"


def test_what_the_readmes_examples_write_in_the_checkout_is_ignored_by_git():
    """The quick start's out.mp4 is in .gitignore, but the outputs of the examples below it, run
    as they are in the checkout on its shipped samples (cut.webm, green.mp4, mask.mp4, cut/), were
    not: a new user's `git status` listed them, and a `git add -A` took in their videos.  Each
    output of a README command whose inputs are shipped is one git ignores."""
    _git_checkout()
    checked = []
    for line in _sh_lines():
        words = shlex.split(line)
        if "-o" not in words or not any(re.match(r"(sample_videos|docs)/", w) for w in words):
            continue
        out = words[words.index("-o") + 1]
        probe = out + "x.png" if out.endswith("/") else out  # (a folder: what is written in it)
        ignored = subprocess.run(["git", "check-ignore", "-q", "--no-index", probe], cwd=REPO).returncode == 0
        assert ignored, f"{out} (written by: {line}) is not in .gitignore"
        checked.append(out)
    assert len(checked) >= 5, checked


def test_the_tests_that_ask_git_skip_in_a_source_tree_without_it(tmp_path):
    """A new user's tree from a release's source archive (no .git) ran the quick start's short test
    run with 2 failures, `fatal: not a git repository`, from the two tests above that ask git what it
    tracks and ignores; they skip there, as tests/test_packaging.py's do ("not a git checkout")."""
    import os
    import shutil
    import sys

    tree = tmp_path / "livecut"
    shutil.copytree(REPO / "tests", tree / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("README.md", "pyproject.toml"):
        shutil.copy(REPO / name, tree / name)
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(tmp_path)}  # (no repository above it either)
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_docs.py",
                        "-k", "merge_conflict or ignored_by_git"], cwd=tree, env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0 and "2 skipped" in r.stdout, r.stdout[-3000:] + r.stderr[-2000:]


def test_the_video_headline_says_how_soon_the_rack_focus_is_followed():
    """Quality on video's headline said "a rack focus followed within 2 frames", where
    tools/video_metrics.py measures frames_to_follow_after_rack 0 (its bullet below: "as soon as the
    focus has moved", 2 frames before the image's detail counted as motion).  The headline says what
    the script measures, on the shipped clip, as the script measures it."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("video_metrics", REPO / "tools/video_metrics.py")
    vm = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(vm)
    truth = vm.make_samples.load_masks(REPO / "sample_videos/rack_focus_masks.npz")
    masks = vm.run(vm.decode("rack_focus"), vm.load_config(None, []))
    ious = [vm.iou(m, t) for m, t in zip(masks, truth)]
    end = vm.make_samples.RACK_END
    lag = next((i - end for i in range(end, len(masks)) if min(ious[i:]) > 0.8), None)
    assert lag is not None, "the rack focus is not followed"
    video = " ".join(README.split("**Video** (`python tools/video_metrics.py`", 1)[1].split("\n\n", 1)[0].split())
    said = "a rack focus followed as soon as the focus has moved" if lag == 0 else f"followed within {lag} frame"
    assert said in video, (lag, video)


def test_shipped_eval_set_is_what_the_script_makes(tmp_path):
    import subprocess
    import sys

    import cv2
    import numpy as np

    subprocess.run([sys.executable, str(REPO / "sample_videos/make_eval_set.py"), str(tmp_path)],
                   check=True, capture_output=True)
    shipped = REPO / "sample_videos/eval"
    names = sorted(p.name for p in (tmp_path / "images").iterdir())
    assert names and names == sorted(p.name for p in (shipped / "images").iterdir())
    for name in names:
        stem = name.rsplit(".", 1)[0]
        a = cv2.imread(str(shipped / "masks" / f"{stem}.png"), cv2.IMREAD_GRAYSCALE)
        b = cv2.imread(str(tmp_path / "masks" / f"{stem}.png"), cv2.IMREAD_GRAYSCALE)
        assert np.array_equal(a, b), stem
        ia = cv2.imread(str(shipped / "images" / name)).astype(np.int16)
        ib = cv2.imread(str(tmp_path / "images" / name)).astype(np.int16)
        assert np.abs(ia - ib).mean() < 2.0, name


def test_figure_script_remakes_the_readme_pictures(tmp_path):
    import importlib.util
    import subprocess
    import sys

    import cv2
    import numpy as np

    spec = importlib.util.spec_from_file_location("make_figure", REPO / "docs/make_figure.py")
    figure = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(figure)
    r = subprocess.run([sys.executable, str(REPO / "docs/make_figure.py"), str(tmp_path)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    for name in ("before-after.png", "video-strip.png"):
        made = cv2.imread(str(tmp_path / name))
        shipped = cv2.imread(str(REPO / "docs" / name))
        assert made is not None and shipped is not None and made.shape == shipped.shape, name
        assert f"docs/{name}" in README
        # ... and they are what this livecut cuts (they showed an engine and compositor 400
        # commits old: 2 % of the pixels 10 levels or more off); a little room for another
        # machine's arithmetic along the edges.  The bars that name the pictures are left out:
        # their text is OpenCV's font, which OpenCV 5.1 draws otherwise (0.9 % of the figure)
        pictures = (np.arange(made.shape[0]) % (made.shape[0] // 2)) >= figure.LABEL_BAR
        off = (np.abs(made.astype(np.int16) - shipped).max(axis=2) > 10)[pictures].mean()
        assert off < 0.002, f"docs/{name} is stale ({off:.2%} of it differs): run python docs/make_figure.py"
    assert (REPO / "docs/photos/chelsea.png").is_file() and "CC0" in README


def test_the_photo_figures_caption_says_what_its_cut_leaves_out():
    """The caption under docs/before-after.png said 'the far cheek ... is cut a little too tight',
    where the alpha beside it cuts the far side of the face away, the far eye in it (2 % of its
    box kept): a reader was told of a small flaw and shown a large one.  The caption names the
    far eye while the figure's alpha (kept current by the test above) leaves it out, and not
    once it keeps it."""
    import importlib.util

    import cv2

    spec = importlib.util.spec_from_file_location("make_figure", REPO / "docs/make_figure.py")
    figure = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(figure)
    h, w = cv2.imread(str(REPO / "docs/photos/chelsea.png")).shape[:2]
    alpha = cv2.imread(str(REPO / "docs/before-after.png"), cv2.IMREAD_GRAYSCALE)[
        figure.LABEL_BAR:figure.LABEL_BAR + h, w:2 * w]  # (the top right panel: the alpha)
    assert alpha[95:140, 140:200].mean() > 250  # (the near eye: the panel is where it is read)
    far_eye = alpha[120:160, 300:335].mean() / 255
    caption = README.split("](docs/before-after.png)", 1)[1].strip().split("\n\n", 1)[0]
    assert ("far eye" in caption) == (far_eye < 0.5), (far_eye, caption)


def test_the_library_examples_run(tmp_path, monkeypatch):
    """The README's Python examples (section Library) run as written, on a photo and a clip
    made here under the names they use."""
    import cv2
    import numpy as np

    from conftest import make_clip
    from synth import make_scene

    section = README.split("## Library", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) >= 2, "the Library section shows a photo and a video example"
    img, _ = make_scene("basic", 320, 240, seed=0)
    cv2.imwrite(str(tmp_path / "photo.jpg"), img)
    make_clip(tmp_path / "clip.mp4", n=8)
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        names: dict = {}
        exec(compile(block, "README.md", "exec"), names)  # noqa: S102 -- the README's own example
        out = names.get("out")
        assert isinstance(out, np.ndarray) and out.ndim == 3 and out.shape[2] == 3
        if "photo.jpg" in block:  # a photo's mask as `livecut image` makes it (the text says still=True;
            from livecut import Segmenter  # the example made a video's Segmenter)

            photo = cv2.imread(str(tmp_path / "photo.jpg"))
            assert np.array_equal(names["alpha"], Segmenter(still=True).mask(photo))


def test_the_packages_own_example_makes_a_photos_mask_as_the_readme_does(tmp_path):
    """``help(livecut)`` showed ``Segmenter().mask(frame_bgr)``: a video's Segmenter (the gray
    refinement, judgements reused for the next frames) for one picture, where the README's
    example and its text give photos ``Segmenter(still=True)``, as ``livecut image`` does.  The
    docstring's example, run on a photo, gives the mask the README's gives."""
    import cv2
    import numpy as np

    import livecut
    from livecut import Segmenter
    from synth import make_scene

    code = "\n".join(line.strip() for line in livecut.__doc__.splitlines() if line.startswith("    "))
    img, _ = make_scene("basic", 320, 240, seed=0)
    cv2.imwrite(str(tmp_path / "photo.jpg"), img)
    photo = cv2.imread(str(tmp_path / "photo.jpg"))
    names = {"photo": photo, "photo_bgr": photo, "frame_bgr": photo, "frame": photo}
    exec(compile(code, "livecut/__init__.py", "exec"), names)  # noqa: S102 -- the package's own example
    assert np.array_equal(names["alpha"], Segmenter(still=True).mask(photo))


def test_the_library_section_turns_pil_images_the_right_way():
    """The README told to reverse np.asarray of a PIL image, [:, :, ::-1], for RGB; of an RGBA
    one (a PNG with transparency) that gives ABGR, read as BGRA: a composite's colours 255
    levels off (the alpha taken for blue).  Each conversion it names gives what livecut takes."""
    import cv2
    import numpy as np
    from PIL import Image

    section = README.split("## Library", 1)[1].split("\n## ", 1)[0]
    rgb = np.random.default_rng(0).integers(0, 256, (4, 5, 3), dtype=np.uint8)
    for mode, want in (("RGB", cv2.COLOR_RGB2BGR), ("RGBA", cv2.COLOR_RGBA2BGRA)):
        m = re.search(rf"\b{mode}\b[^`]*`(\[:, :, [^`]+\])`", section)
        assert m, f"the Library section says how to turn a PIL {mode} image"
        image = np.asarray(Image.fromarray(rgb).convert(mode))
        assert np.array_equal(eval("image" + m.group(1), {"image": image}), cv2.cvtColor(image, want))  # noqa: S307


def test_the_library_section_says_which_results_the_next_call_overwrites():
    """The README said a Segmenter's returned arrays are reused by the next call, and of the
    Compositor and the MaskSmoother nothing: an application that kept each ``comp.apply(...)``
    (a list of outputs, frames handed to another thread) had the last frame over and over.
    The section names the three, and each is so: a second call's result is in the memory of
    the first's (apply in ``mask`` mode gives back the alpha it was given)."""
    import cv2
    import numpy as np

    from livecut import Compositor, MaskSmoother, Segmenter
    from synth import make_scene

    section = README.split("## Library", 1)[1].split("\n## ", 1)[0]
    words = " ".join(section.split())
    m = re.search(r"[^.]*reused by the next\s+call[^.]*\.", words)
    assert m, "the Library section says which results the next call overwrites"
    for name in ("Segmenter", "Compositor", "MaskSmoother", "apply_i420", "mask"):
        assert f"`{name}`" in m.group(0), f"{name} is named where the section says what is reused"
    (a, _), (b, _) = (make_scene("basic", 320, 240, seed=s) for s in (0, 1))
    seg, comp, smoother = Segmenter(still=True), Compositor(background="blur"), MaskSmoother()
    alpha = seg.mask(a).copy()
    for call in (seg.mask, lambda f: comp.apply(f, alpha), lambda f: smoother(alpha, f),
                 lambda f: comp.apply_i420(cv2.cvtColor(f, cv2.COLOR_BGR2YUV_I420), alpha)):
        assert np.shares_memory(call(a), call(b))
    assert Compositor(mode="mask").apply(a, alpha) is alpha


def test_readme_installs_livecut_from_the_checkout():
    """livecut is not on PyPI: `pip install 'livecut[ray]'` on a machine without it finds no
    such distribution. The README's pip lines install the checkout ('.', '.[extra]'), and so
    do those of docs/*.md and of livecut's own messages (a missing pyvirtualcam or Ray)."""
    texts = {"README.md": README, **{p.relative_to(REPO).as_posix(): p.read_text()
                                     for p in [*(REPO / "docs").glob("*.md"), *(REPO / "livecut").rglob("*.py")]}}
    for name, text in texts.items():
        for m in re.finditer(r"pip install((?: -[-\w]+)*) ['\"]?([^\s'\"`)]+)", text):
            assert not re.match(r"livecut\b", m.group(2)), f"{name}: {m.group(0)}"  # (the package it names)


DOCS = {p.relative_to(REPO).as_posix(): p.read_text() for p in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]}


def _shown_commands(text: str) -> list[str]:
    """What the text shows as commands: the lines of its ```sh blocks (comments cut off) and
    its inline code spans (a table's escaped \\| kept as text, a bare | ending a command)."""
    shown = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        shown += [ln.split("  #")[0] for ln in block.splitlines()]
    shown += re.findall(r"`([^`\n]+)`", text)
    return [s.replace("\\|", "\x00") for s in shown]


def test_the_commands_shown_use_options_that_exist():
    """Every `livecut COMMAND ...` in the README and docs/*.md uses only options `livecut COMMAND`
    takes, and every `python tools/X.py ...` only options of that script (a renamed or removed
    option left behind in the docs fails here, not in a user's shell)."""
    from typer.main import get_command

    from livecut.cli import app

    commands = get_command(app).commands
    takes = {name: {o for p in cmd.params for o in (*p.opts, *p.secondary_opts)} | {"-h", "--help"}
             for name, cmd in commands.items()}
    option = re.compile(r"(?<![\w/.:=-])(--?[A-Za-z][\w-]*)")
    said = re.compile(r"\blivecut (" + "|".join(commands) + r")\b")
    checked = 0
    for doc, text in DOCS.items():
        for shown in _shown_commands(text):
            for part in shown.split("|"):  # (what is piped into is another program)
                m = said.search(part)
                if m:
                    for opt in option.findall(part[m.end():]):
                        assert opt in takes[m.group(1)], f"{doc}: `livecut {m.group(1)}` has no {opt}: {shown}"
                        checked += 1
                m = re.search(r"\bpython (tools/\w+\.py)\b", part)
                if m:
                    script = REPO / m.group(1)
                    assert script.is_file(), f"{doc}: {m.group(1)} is not shipped: {shown}"
                    known = set(re.findall(r"add_argument\(\s*\"(--?[\w-]+)\"", script.read_text()))
                    for opt in option.findall(part[m.end():]):
                        assert opt in known | {"-h", "--help"}, f"{doc}: {m.group(1)} has no {opt}: {shown}"
                        checked += 1
    assert checked > 50, checked


def test_the_configuration_keys_named_exist():
    """Every `section.key` the README, docs/*.md and the presets name is a key of the
    configuration, and every `section.key=value` given as an example is one it takes."""
    import dataclasses

    from livecut.config import load_config

    cfg = load_config()
    keys = {f"{s.name}.{f.name}" for s in dataclasses.fields(cfg) for f in dataclasses.fields(getattr(cfg, s.name))}
    texts = dict(DOCS, **{p.relative_to(REPO).as_posix(): p.read_text() for p in (REPO / "config").glob("*.toml")})
    named = 0
    for doc, text in texts.items():
        for m in re.finditer(r"\b(segment|composite|smooth|video)\.([a-z_0-9]+)\b"
                             r"(?:\s?=\s?(\"[^\"]*\"|[^\s`),;]+))?", text):
            if m.group(2) == "py":  # (smooth.py, composite.py: files)
                continue
            key = f"{m.group(1)}.{m.group(2)}"
            assert key in keys, f"{doc}: {key} is no configuration key"
            value = m.group(3)
            if value and not re.fullmatch(r"[A-Z]+", value):  # (=N, =S: placeholders)
                load_config(None, [f"{key}={value}"])  # (a ConfigError names it)
            named += 1
    assert named > 30, named


def test_readme_headline_counts_the_shipped_networks():
    """The first lines say how many networks ship and their size: it said four and 1.2 MB
    when six (1.85 MB) shipped, the quality preset's two added."""
    models = sorted((REPO / "livecut/models").glob("*.onnx"))
    m = re.search(r"\((\w+) small focus networks, ([\d.]+) MB together", README)
    assert m, "the headline's network count is gone"
    words = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
    assert words[m.group(1)] == len(models), [p.name for p in models]
    total = sum(p.stat().st_size for p in models) / 1e6
    assert abs(float(m.group(2)) - total) < 0.1, f"{total:.2f} MB"


def test_the_configuration_section_lists_every_key_with_its_default():
    """The README's Configuration section named a few keys and sent the reader to
    config/default.toml for the rest: it lists each section's keys with their defaults, as the
    dataclasses hold them (an item a section, a TOML inline table's items, wrapped in short lines)."""
    import dataclasses
    import tomllib

    from livecut.config import Config

    section = README.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    listed = {m.group(1): tomllib.loads(f"t = {{{' '.join(m.group(2).split())}}}")["t"]
              for m in re.finditer(r"^- `\[(\w+)\]` (.+?)$(?!\n  )", section, re.M | re.S)}
    cfg = Config()
    want = {s.name: dataclasses.asdict(getattr(cfg, s.name)) for s in dataclasses.fields(cfg)}
    assert listed == want


def test_the_commands_named_are_the_ones_livecut_lists():
    """Every `livecut WORD ...` the README and docs/*.md show names a command that `livecut
    --help` lists (the option check above knows only the commands there are: a command renamed
    or removed, left in the docs, was passed over), and the README's CLI reference has a row for
    each command `livecut --help` lists."""
    from conftest import run_cli

    r = run_cli("--help", env={"COLUMNS": "200"})
    assert r.returncode == 0, r.stderr
    listed = set(re.findall(r"^│ ([a-z]+) {2,}\S", r.stdout, re.M))
    assert {"file", "image", "cam"} <= listed, r.stdout
    named = 0
    for doc, text in DOCS.items():
        for shown in _shown_commands(text):
            for part in shown.split("|"):
                for m in re.finditer(r"(?<![\w/.=-])livecut ([a-z][\w-]*)\b(?!-)", part):
                    assert m.group(1) in listed | {"COMMAND"}, f"{doc}: `livecut {m.group(1)}` is no command: {shown}"
                    named += 1
    assert named > 100, named
    table = README.split("\n## CLI reference\n", 1)[1].split("\n## ", 1)[0]
    rows = set(re.findall(r"^\| `livecut ([a-z]+)\b", table, re.M))
    assert rows == listed, f"rows for {sorted(rows)}, commands {sorted(listed)}"


def test_every_option_of_every_command_is_named_in_the_readme():
    """Each option `livecut COMMAND --help` lists is named in the README by one of its names
    (`livecut bench --threads` and `--no-baseline` were named nowhere)."""
    from typer.main import get_command

    from livecut.cli import app

    unnamed = []
    for name, cmd in get_command(app).commands.items():
        for p in cmd.params:
            names = [o for o in (*p.opts, *p.secondary_opts) if o.startswith("-")]
            if names and "--help" not in names and not any(
                    re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", README) for o in names):
                unnamed.append(f"livecut {name} {names[0]}")
    assert not unnamed, unnamed


def test_the_eval_json_keys_listed_are_the_ones_it_gives():
    """The README spells out `livecut eval --json`'s object: a key the result holds and the
    list leaves out ("warnings", a sheet page's name an append-only folder kept) was one a
    script reading it could not know of."""
    from livecut.config import Config
    from livecut.evaluate import evaluate_folder

    m = re.search(r"`--json` gives `\{(\"method\".*?)\}` \(", README, re.S)
    assert m, "the README's list of eval's --json keys is gone"
    listed = set(re.findall(r"\"(\w+)\"", m.group(1)))
    shipped = REPO / "sample_videos/eval"
    result = evaluate_folder(shipped / "images", shipped / "masks", Config(), subset={"moving_000"})
    assert set(result) <= listed, sorted(set(result) - listed)


def test_the_edge_snap_is_said_to_be_solved_at_the_size_it_is():
    """How it works, step 4, and segment.snap's doc (config/default.toml's comment) said the
    snap was solved at half the working size after it had moved to a quarter (SNAP_SUBSAMPLE)."""
    import dataclasses

    from livecut.config import SegmentConfig
    from livecut.segment.net import SNAP_SUBSAMPLE

    said = {2: "half that size", 4: "a quarter of that size"}[SNAP_SUBSAMPLE]
    assert f"(`segment.snap`, solved at {said})" in README
    doc = {f.name: f.metadata["doc"] for f in dataclasses.fields(SegmentConfig)}["snap"]
    assert f"solved at {said}" in doc


def test_the_gifs_a_glob_leaves_out_are_said_as_the_readme_says(tmp_path):
    """README said a glob gives no GIF "and says so": it says so only where the glob (or folder)
    gives nothing else; beside photos the GIFs are left out without a word, as the README now says."""
    import cv2
    import numpy as np

    from conftest import run_cli

    assert "a folder or glob that gives nothing else says so, naming the GIFs it left out" in README
    assert "beside photos they are left out without a word" in README
    rng = np.random.default_rng(0)
    pic = cv2.GaussianBlur(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8), (0, 0), 3)
    pic[16:48, 16:48] = rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)
    (tmp_path / "gifs").mkdir()
    (tmp_path / "mixed").mkdir()
    for d in ("gifs", "mixed"):
        assert cv2.imwrite(str(tmp_path / d / "a.gif"), pic)
    assert cv2.imwrite(str(tmp_path / "mixed" / "b.png"), pic)
    r = run_cli("image", str(tmp_path / "gifs" / "*"), "-o", str(tmp_path / "out1") + "/")
    assert r.returncode == 2 and "1 GIF, cut only when named" in r.stderr, r.stderr
    r = run_cli("image", str(tmp_path / "mixed" / "*"), "-o", str(tmp_path / "out2") + "/")
    assert r.returncode == 0, r.stderr
    assert "GIF" not in r.stderr, r.stderr
    assert sorted(p.name for p in (tmp_path / "out2").iterdir()) == ["b.png"]


def test_a_cmyk_tiff_with_an_alpha_is_said_to_be_refused_as_it_is(tmp_path):
    """README said a TIFF of channels beyond its colours *and an alpha* is refused: a CMYK one
    with an alpha (5 channels), which OpenCV does not decode (at most four channels), is refused
    too, saying what it holds, which README did not say."""
    import numpy as np

    from conftest import run_cli
    from test_cli_image import _samples, _tiff

    assert "a CMYK one with an alpha (OpenCV decodes at most four channels)" in README
    src = tmp_path / "cmyka.tif"
    src.write_bytes(_tiff(_samples(5, np.uint8), 2, photometric=5))
    r = run_cli("image", str(src), "-o", str(tmp_path / "o"))
    assert r.returncode == 2 and r.stderr == (f"livecut: error: {src}: a TIFF of 5 channels (CMYK and an alpha), which "
                                              "livecut does not read; save it as RGB or RGBA, or as PNG\n"), r.stderr


def test_transparent_outputs_hold_straight_alpha_as_the_readme_says(tmp_path):
    """README did not say whether a transparent output's alpha is straight or premultiplied, nor
    what colour its fully transparent pixels hold: straight, the frame's own colours everywhere
    (a photo's cutout and `-b transparent`, a video's PNG frames, QuickTime Animation and ProRes
    4444), transparent and half-transparent pixels too, as it now says; a still image's soft edge
    holds the subject's estimated colours (composite.decontaminate, auto: on for photos), off its own."""
    import av
    import cv2
    import numpy as np

    from conftest import make_clip, run_cli
    from synth import make_scene

    assert "holds straight alpha, not premultiplied: its alpha alone says how much of each pixel shows" in README
    assert "fully transparent ones too (not black; " in README
    assert ("the soft edge's (alpha 1-254) are the frame's own in a video's output, and the subject's\n"
            "estimated colours in a still image's") in README

    def check(src: np.ndarray, out: np.ndarray, tolerance: int, what: str) -> None:
        alpha, diff = out[:, :, 3], np.abs(out[:, :, :3].astype(int) - src).max(axis=2)
        clear, half = alpha == 0, (alpha > 64) & (alpha < 192)
        assert clear.any() and half.any(), what  # (both kinds of pixel are there to check)
        assert src[clear].max() > 64 and src[half].max() > 64, what  # (premultiplied would differ)
        assert diff[clear].max() <= tolerance and diff[half].max() <= tolerance, what

    img, _ = make_scene("basic", 160, 120, seed=3)
    assert cv2.imwrite(str(tmp_path / "photo.png"), img)
    for args in (("--mode", "cutout"), ("-b", "transparent")):
        r = run_cli("image", str(tmp_path / "photo.png"), "-o", str(tmp_path / "cut") + "/", *args, "--force", "-q",
                    "--set", "composite.decontaminate=off")
        assert r.returncode == 0, r.stderr
        off = cv2.imread(str(tmp_path / "cut" / "photo.png"), cv2.IMREAD_UNCHANGED)
        check(img, off, 0, args)
        # auto: the soft edge's colours estimated, the rest the frame's own
        r = run_cli("image", str(tmp_path / "photo.png"), "-o", str(tmp_path / "cut") + "/", *args, "--force", "-q")
        assert r.returncode == 0, r.stderr
        auto = cv2.imread(str(tmp_path / "cut" / "photo.png"), cv2.IMREAD_UNCHANGED)
        soft = (auto[:, :, 3] > 0) & (auto[:, :, 3] < 255)
        assert np.array_equal(auto[~soft], off[~soft]) and np.array_equal(auto[:, :, 3], off[:, :, 3]), args
        assert (auto[soft] != off[soft]).any(), args
    # (the README said a WebP's were cleared to black: so they were in this "basic" scene, not in
    # "several"'s, where libwebp gave many the colours it predicts from their neighbours)
    assert "(not black; but a WebP's, which its encoder changes to what compresses best: black, or colours\nfrom their neighbours')" in README
    for variant in ("basic", "several"):
        photo, _ = make_scene(variant, 160, 120, seed=3)
        assert cv2.imwrite(str(tmp_path / f"{variant}.png"), photo)
        r = run_cli("image", str(tmp_path / f"{variant}.png"), "-o", str(tmp_path / f"{variant}.webp"), "--mode",
                    "cutout", "-q", "--set", "composite.decontaminate=off")
        assert r.returncode == 0, r.stderr
        webp = cv2.imread(str(tmp_path / f"{variant}.webp"), cv2.IMREAD_UNCHANGED)
        clear = webp[:, :, 3] == 0
        if variant == "several":  # (libwebp changes them: OpenCV cannot ask it not to; not all to black)
            assert webp[clear][:, :3].any(axis=1).any() and (webp[clear][:, :3] != photo[clear]).any()
        webp[clear, :3] = photo[clear]
        check(photo, webp, 0, f"webp {variant}")  # (lossless: the others kept)

    clip = make_clip(tmp_path / "clip.mkv", w=160, h=96, n=3, codec="ffv1", pix_fmt="bgr0")
    with av.open(str(clip)) as c:
        src = next(c.decode(video=0)).to_ndarray(format="bgr24")
    outputs = {"frames/": 0, "qtrle.mov": 0}
    if "prores_ks" in av.codecs_available:
        outputs["prores.mov"] = 2  # (10-bit 4:4:4 YUV: within rounding)
    for name, tolerance in outputs.items():
        out = tmp_path / name
        sets = ("--set", "video.codec=qtrle") if name == "qtrle.mov" else ()
        r = run_cli("file", str(clip), "-o", str(out) + ("/" if name.endswith("/") else ""), "--mode", "cutout",
                    *sets, "-q")
        assert r.returncode == 0, r.stderr
        if out.is_dir():
            first = cv2.imread(str(sorted(out.glob("*.png"))[0]), cv2.IMREAD_UNCHANGED)
        else:
            with av.open(str(out)) as c:
                first = next(c.decode(video=0)).to_ndarray(format="bgra")
        check(src, first, tolerance, name)


def test_the_command_table_says_the_codec_of_each_video_file_type():
    """The `livecut file` row said `.mp4/.m4v/.mkv/.avi` H.264 and `.mov` ProRes 4444 when
    transparent, not what an opaque `.mov` is (H.264, as `-o out.mov -b green` writes it): each
    file type whose opaque video is H.264 is named before the row's "H.264"."""
    from livecut.config import VideoConfig
    from livecut.sinks.file import encoder_for

    row = next(ln for ln in README.splitlines() if ln.startswith("| `livecut file INPUT -o OUTPUT`"))
    h264 = row.split(" H.264", 1)[0]
    for ext in (".mp4", ".m4v", ".mkv", ".avi", ".mov"):
        assert encoder_for(ext, 3, VideoConfig()) == ("libx264", "yuv420p"), ext
        assert re.search(rf"[`/]{re.escape(ext)}[`/]", h264), (ext, h264)
    assert encoder_for(".mov", 4, VideoConfig())[0] == "prores_ks" and "`.mov` ProRes 4444 when transparent" in row


def test_a_copy_of_default_toml_naming_a_preset_is_the_default_as_the_readme_says(tmp_path):
    """A copy of config/default.toml with preset = "quality" added at its top ran as the default
    (its keys win over the preset's: segment.model back to "auto"), and neither the README nor
    default.toml's own header, which said to copy it and that a file may name a preset, said so."""
    from livecut.config import load_config, presets_dir

    assert 'a copy of `config/default.toml` with\n`preset = "quality"` added sets `segment.model` back' in README
    shipped = (presets_dir() / "default.toml").read_text()
    assert "a copy of this whole file with\n# preset = \"quality\" added is still the default" in shipped
    (tmp_path / "my.toml").write_text('preset = "quality"\n' + shipped)
    assert load_config(str(tmp_path / "my.toml")) == load_config()
    assert load_config("quality").segment.model == "ensemble" != load_config().segment.model == "auto"


def test_the_file_types_and_sizes_the_readme_lists_are_the_ones_livecut_takes():
    """The README spells out which files a `livecut batch` folder gives as videos, the types of
    --video-ext, the picture types a cutout can be written to, and the sides a WebP, JPEG, AVIF
    or JPEG 2000 output holds: each list is the one the code holds (one grown or cut in the
    code, its README list left as it was, told a user of files it skips or refuses)."""
    from livecut.batch import VIDEO_EXTS
    from livecut.imageio import ALPHA_EXTS, MAX_SIDES, MIN_SIDES
    from livecut.sinks.file import VIDEO_EXTS as WRITTEN

    flat = " ".join(README.split())
    m = re.search(r"The videos are the files named ((?:`\.\w+` )+)\(in any case", flat)
    assert m, "the README's list of the videos batch takes is gone"
    assert sorted(re.findall(r"`(\.\w+)`", m.group(1))) == sorted(VIDEO_EXTS)
    m = re.search(r"in the type `--video-ext` names \(`(\.\w+)` by default; ((?:`\.\w+`, )+)or `/` for folders", flat)
    assert m, "the README's list of --video-ext types is gone"
    assert {m.group(1), *re.findall(r"`(\.\w+)`", m.group(2))} == set(WRITTEN)
    m = re.search(r"`-o cut\.png` \(or ((?:`\.\w+`, )+)netpbm's `(\.\w+)`\)", flat)
    assert m, "the README's list of the types a cutout is written to is gone"
    assert {".png", *re.findall(r"`(\.\w+)`", m.group(1)), m.group(2)} == set(ALPHA_EXTS) - {".tiff"}
    m = re.search(r"\(WebP: (\d+) pixels a side, JPEG: (\d+), AVIF: (\d+),", flat)
    assert m and {int(v) for v in m.groups()} == {side for side, _ in MAX_SIDES.values()}, m
    assert [int(m.group(i)) for i in (1, 2, 3)] == [MAX_SIDES[e][0] for e in (".webp", ".jpg", ".avif")]
    m = re.search(r"smaller than its writer writes \(JPEG 2000: (\d+) pixels a side\)", flat)
    assert m and int(m.group(1)) == MIN_SIDES[".jp2"][0], m


def test_the_batch_retry_example_run_after_the_line_above_it_redoes_nothing(tmp_path):
    """The README's `livecut batch ... --retry-failed  # again: only what is new, changed or
    failed` left out the -b of the line above it: run in order, its settings were others, and it
    did every item again.  Run so on a shoot of one photo, the line after the one above it does
    nothing again."""
    import cv2
    import numpy as np

    from conftest import run_cli

    lines = _sh_lines()
    retry = next(i for i, line in enumerate(lines) if line.startswith("livecut batch") and "--retry-failed" in line)
    before = lines[retry - 1]
    assert before.startswith("livecut batch shoot/ -o cut/"), before
    rng = np.random.default_rng(0)
    pic = cv2.GaussianBlur(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8), (0, 0), 3)
    pic[16:48, 16:48] = rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)
    (tmp_path / "shoot").mkdir()
    assert cv2.imwrite(str(tmp_path / "shoot" / "a.jpg"), pic)
    r = run_cli(*shlex.split(before)[1:], cwd=tmp_path, timeout=120)
    assert r.returncode == 0 and "1 done, 0 failed" in r.stderr, r.stderr
    r = run_cli(*shlex.split(lines[retry])[1:], cwd=tmp_path, timeout=120)
    assert r.returncode == 0 and "0 done, 0 failed, 1 already done" in r.stderr, (lines[retry], r.stderr)


def test_the_virtual_camera_guide_says_a_lost_camera_is_opened_again_as_the_readme_does():
    """docs/virtual-camera.md said a camera unplugged mid-run ends the run, exit 3, once its reads
    failed for video.read_timeout: what it did before a lost camera was opened again (the README and
    video.reconnect's help say so; a call reading the virtual camera keeps it meanwhile).  The guide's
    account of an unplugged camera names the keys that rule it, as the README's does."""
    guide = (REPO / "docs/virtual-camera.md").read_text()
    said = " ".join(p for p in re.split(r"\n\s*\n", guide) if "unplugged" in p)
    assert said, "the guide no longer says what an unplugged camera does"
    readme = " ".join(p for p in re.split(r"\n\s*\n", README) if "unplugged" in p)
    for key in ("video.read_timeout", "video.reconnect", "video.reconnect_limit"):
        assert f"`{key}`" in readme, key  # (the README's account, which the guide follows)
        assert f"`{key}`" in said, f"docs/virtual-camera.md's unplugged camera does not name {key}"
    assert "reopening" in said and "back after" in said
