"""The measuring tools in tools/ that tests can run without the datasets."""

from __future__ import annotations

import sys

import numpy as np

from conftest import REPO

sys.path.insert(0, str(REPO / "tools"))
import clip_metrics  # noqa: E402


def test_clip_metrics_clips_move_the_truth_with_the_picture():
    """A 'photo' whose left half is the subject: in the pan clip both the picture and its
    truth move 3 px a frame; in the still clip only the noise changes."""
    rng = np.random.default_rng(0)
    img = np.zeros((427, 640, 3), np.uint8)
    img[:, :320] = 200
    gt = np.zeros((427, 640), np.uint8)
    gt[:, :320] = 255
    frames, truth = clip_metrics.clip(img, gt, 3.0, rng)
    assert len(frames) == len(truth) == clip_metrics.N
    assert frames[0].shape == (clip_metrics.H, clip_metrics.W, 3) and truth[0].shape == frames[0].shape[:2]
    edge = [int(np.argmin(t[clip_metrics.H // 2] > 0)) for t in truth]  # first column off the subject
    assert edge[0] == 704 and edge[10] == 674  # 320 * 2.2, then 3 px a frame to the left
    # the picture's edge is where the truth's is
    row = frames[10][clip_metrics.H // 2, :, 0].astype(int)
    assert row[edge[10] - 3] > 150 and row[edge[10] + 3] < 50
    still, still_truth = clip_metrics.clip(img, gt, 0.0, rng)
    assert all(np.array_equal(t, still_truth[0]) for t in still_truth)
    noise = still[1].astype(int) - still[0].astype(int)
    assert 2.0 < noise[:, 20:300].std() < 5.0  # fresh sensor noise every frame (sigma 2.5 each)


def test_shipped_networks_have_their_decoder_joins_folded():
    """tools/fold_skips.py was applied: no Concat is left in the shipped graphs (the
    cheaper, equivalent form of the decoder's joins), and each still maps an input of
    multiples of 16 to logits at half its size."""
    from livecut.segment.net import SHIPPED, input_channels, load_net, model_path, onnx_graph

    assert len(SHIPPED) == 6
    for name in SHIPPED:
        net = load_net(model_path(name))
        assert input_channels(model_path(name)) == 8, name  # RGB + 5 cues (no kurtosis channel)
        dims, nodes = onnx_graph(model_path(name))  # (the file's graph: OpenCV 5.1 fuses the adds)
        assert dims[:2] == [1, 8] and len(dims) == 4, name
        assert "Conv" in {op for op, _ in nodes} and not [n for op, n in nodes if op == "Concat"], name
        assert sum(op == "Add" and n.endswith("_add") for op, n in nodes) == 3, name
        net.setInput(np.zeros((1, 8, 48, 64), np.float32))
        assert net.forward().shape == (1, 1, 24, 32)


def _join_graph(rng):
    """A tiny decoder join, Conv1x1(Concat(Resize(Relu(Conv(x))), Relu(Conv(x)))), as ONNX."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    def w(name, *shape):
        return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)

    nodes = [
        helper.make_node("Conv", ["x", "wf", "bf"], ["f0"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["f0"], ["f"]),
        helper.make_node("Conv", ["f", "wc", "bc"], ["c0"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("Relu", ["c0"], ["c"]),
        helper.make_node("Constant", [], ["scales"],
                         value=numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32))),
        helper.make_node("Resize", ["c", "", "scales"], ["up"], mode="linear",
                         coordinate_transformation_mode="half_pixel"),
        helper.make_node("Concat", ["up", "f"], ["cat"], axis=1),
        helper.make_node("Conv", ["cat", "wj", "bj"], ["y"], kernel_shape=[1, 1]),
    ]
    inits = [w("wf", 4, 3, 3, 3), w("bf", 4), w("wc", 6, 4, 3, 3), w("bc", 6), w("wj", 5, 10, 1, 1), w("bj", 5)]
    graph = helper.make_graph(nodes, "join", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 24])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5, 16, 24])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def _outputs(paths, x):
    """What cv2.dnn gives for input ``x`` with each model of ``paths``."""
    import cv2

    outs = []
    for p in paths:
        net = cv2.dnn.readNetFromONNX(str(p))
        net.setInput(x)
        outs.append(net.forward().copy())
    return outs


def test_fold_skips_keeps_the_function(tmp_path):
    """The rewrite of tools/fold_skips.py gives the same outputs as the graph it rewrote."""
    import pytest

    onnx = pytest.importorskip("onnx")
    import fold_skips

    rng = np.random.default_rng(1)
    model = _join_graph(rng)
    before, after = tmp_path / "before.onnx", tmp_path / "after.onnx"
    onnx.save(model, str(before))
    assert fold_skips.fold(model) == 1
    assert not [n for n in model.graph.node if n.op_type == "Concat"]
    onnx.save(model, str(after))
    x = rng.standard_normal((1, 3, 16, 24)).astype(np.float32)
    outs = _outputs((before, after), x)
    assert outs[0].shape == outs[1].shape == (1, 5, 16, 24)
    assert np.abs(outs[0] - outs[1]).max() < 1e-4 * max(1.0, float(np.abs(outs[0]).max()))
    assert fold_skips.fold(model) == 0  # nothing left to fold


def test_half_weights_keeps_the_function(tmp_path):
    """tools/half_weights.py stores the weights as float16 with a Cast back: a valid ONNX
    graph half the size that cv2.dnn runs as the float32 one with rounded weights."""
    import pytest

    onnx = pytest.importorskip("onnx")
    import half_weights

    rng = np.random.default_rng(2)
    model = _join_graph(rng)
    before, after = tmp_path / "before.onnx", tmp_path / "after.onnx"
    onnx.save(model, str(before))
    assert half_weights.halve(model) == 3  # the three weights; the biases (< 16 values) stay
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, str(after))
    assert after.stat().st_size < before.stat().st_size
    x = rng.standard_normal((1, 3, 16, 24)).astype(np.float32)
    outs = _outputs((before, after), x)
    err = np.abs(outs[0] - outs[1]).max() / max(1.0, float(np.abs(outs[0]).max()))
    assert 0 < err < 3e-3  # float16 rounding (2^-11 a weight), not another network
    assert half_weights.halve(model) == 0  # nothing float32 left to halve


def test_quantize_net_keeps_the_function(tmp_path):
    """tools/quantize_net.py: a network whose weights half_weights.py stored as float16 is
    read back as float32 (unhalve) and written as int8 QDQ, calibrated on the blobs given;
    cv2.dnn runs it as the float network to within the int8 steps, with its Concat-free
    structure and node names kept."""
    import pytest

    onnx = pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    import fold_skips
    import half_weights
    import quantize_net

    rng = np.random.default_rng(3)
    model = _join_graph(rng)
    fold_skips.fold(model)
    halved = tmp_path / "halved.onnx"
    halves = half_weights.halve(model)
    onnx.save(model, str(halved))
    plain = onnx.load(str(halved))
    assert halves >= 3 and quantize_net.unhalve(plain) == halves and quantize_net.unhalve(plain) == 0
    assert not [n for n in plain.graph.node if n.op_type == "Cast"]
    blobs = [rng.standard_normal((1, 3, 16, 24)).astype(np.float32) for _ in range(8)]
    out = tmp_path / "int8.onnx"
    quantize_net.quantize(halved, out, blobs)
    ops = [n.op_type for n in onnx.load(str(out)).graph.node]
    assert "DequantizeLinear" in ops and "QuantizeLinear" in ops and "Concat" not in ops
    x = rng.standard_normal((1, 3, 16, 24)).astype(np.float32)
    ref, q = _outputs((halved, out), x)
    err = np.abs(ref - q).max() / float(np.abs(ref).max())
    assert 0 < err < 0.1  # int8 steps (1/255 of each range), not another network
    same, worst = quantize_net.agreement(halved, out, [x])
    assert same > 0.9 and worst == pytest.approx(np.abs(ref - q).max(), rel=1e-5)


def test_train_engine_soften_is_what_the_soft_network_is_routed():
    """train_engine.soften (the --soft augmentation) keeps the picture's size and content
    and takes its detail below pixel scale: a sharp scene softened by the factors the soft
    network was fitted on falls below SOFT_P99 (so inference sends such frames to it), the
    scene as rendered does not."""
    sys.path.insert(0, str(REPO / "tests"))
    import cv2
    import train_engine
    from synth import make_scene
    from livecut.segment import Segmenter
    from livecut.segment.net import SOFT_P99

    img = make_scene("basic", 640, 480, seed=4)[0]
    seg = Segmenter(still=True)
    seg.mask(img)
    assert seg.method._sharpest > SOFT_P99
    for f in train_engine.SOFT_FACTORS:
        soft = train_engine.soften(img, f)
        assert soft.shape == img.shape
        blur = cv2.GaussianBlur(img, (0, 0), 8)  # the content is kept: same large-scale picture
        assert np.abs(cv2.GaussianBlur(soft, (0, 0), 8).astype(int) - blur).mean() < 1.5
        seg.mask(soft)
        assert seg.method._sharpest < SOFT_P99


def test_train_engine_caches_are_the_same_whatever_the_number_of_workers(tmp_path, monkeypatch):
    """train_engine --workers N builds each photo's (and each whole frame's) items from a
    generator of its own, so 1 and 2 worker processes give the same cache, item for item,
    and a cache of one generator for the whole list (--workers 0, the shipped networks'
    draws) is still what it was: the same noise drawn in order across the photos."""
    sys.path.insert(0, str(REPO / "tests"))
    import cv2
    import train_engine
    from synth import make_scene

    data = tmp_path / "data"
    (data / "images").mkdir(parents=True)
    (data / "masks").mkdir()
    names = []
    for i in range(3):
        img, gt = make_scene("basic", 200, 150, seed=i)
        cv2.imwrite(str(data / "images" / f"p{i}.png"), img)
        cv2.imwrite(str(data / "masks" / f"p{i}.png"), gt)
        names.append(f"p{i}.png")

    def build(workers, folder):
        monkeypatch.setattr(train_engine, "WORKERS", workers)
        (tmp_path / folder).mkdir()
        fit = train_engine.build_cache(data, names, tmp_path / folder / "fit.npz", (1.0, 2.0), noisy=True)
        monkeypatch.setattr(train_engine, "N_WHOLE", 2)
        whole = train_engine.build_whole_cache(data, names, tmp_path / folder / "whole.npz")
        return fit + whole

    one, two, seq = build(1, "one"), build(2, "two"), build(0, "seq")
    assert len(one) == len(two) == len(seq) == 3 * 2 + 2 * 2 * len(train_engine.SCALES)
    for a, b in zip(one, two):
        assert a["name"] == b["name"] and a["scale"] == b["scale"]
        assert np.array_equal(a["x"], b["x"]) and np.array_equal(a["y"], b["y"])
    # the sequential draws: photo by photo from one generator, as before --workers existed
    rng = np.random.default_rng(train_engine.SPLIT_SEED + 1)
    for i, name in enumerate(names):
        img, gt = train_engine._read_pair(data, name)
        for j, s in enumerate((1.0, 2.0)):
            noise = float(rng.choice(train_engine.NOISE_SIGMAS))
            x, y = train_engine.sample(img, gt, s, noise, rng)
            assert np.array_equal(seq[2 * i + j]["x"], x)
    assert any(not np.array_equal(a["x"], b["x"]) for a, b in zip(one, seq))  # other draws


def test_train_engine_teacher_is_the_networks_average_answer_on_the_item_and_its_mirror():
    """train_engine --teacher gives each fitting item ``t``: the networks' average logits on
    the item and on its mirror image, at half the grid over the cells the truth covers
    whole.  So a mirrored item is taught the mirrored answer, two copies of one network
    teach what one does (an average, not a sum), and on a plain synthetic scene the
    shipped network's answer is the truth."""
    sys.path.insert(0, str(REPO / "tests"))
    import cv2
    import train_engine
    from synth import make_scene
    from livecut.segment.net import model_path

    rng = np.random.default_rng(0)
    img, gt = make_scene("basic", 512, 384, seed=3)[:2]
    x, y = train_engine.sample(img, gt, 1.0, 0.0, rng)
    assert y.shape == (192, 256)  # a grid of multiples of 16: no padding, mirrors exactly
    item = {"x": x, "y": y}
    mirrored = {"x": np.ascontiguousarray(x[:, :, ::-1]), "y": np.ascontiguousarray(y[:, ::-1])}
    net = model_path()
    train_engine.teach([item, mirrored], [net])
    assert item["t"].shape == (96, 128) and item["t"].dtype == np.float16
    np.testing.assert_allclose(mirrored["t"].astype(np.float32), item["t"][:, ::-1].astype(np.float32), atol=0.02)
    twice = {"x": x, "y": y}
    train_engine.teach([twice], [net, net])
    np.testing.assert_allclose(twice["t"].astype(np.float32), item["t"].astype(np.float32), atol=0.02)
    truth = cv2.resize(y.astype(np.float32), (128, 96), interpolation=cv2.INTER_AREA) >= 0.5
    said = item["t"] > 0
    assert np.count_nonzero(said & truth) / np.count_nonzero(said | truth) > 0.8
    # an odd grid width: the cells the truth covers whole
    img, gt = make_scene("basic", 640, 480, seed=3)[:2]
    x, y = train_engine.sample(img, gt, 1.0, 0.0, rng)
    odd = {"x": x, "y": y}
    train_engine.teach([odd], [net])
    assert y.shape == (160, 213) and odd["t"].shape == (80, 106)


def _run_clip_metrics(monkeypatch, capsys, data, *extra) -> dict:
    import json

    monkeypatch.setattr(sys, "argv", ["clip_metrics.py", str(data), "--photos", "1", "--kinds", "still",
                                      "--size", "64x64", "--json", *extra])
    clip_metrics.main()
    return json.loads(capsys.readouterr().out)


def test_clip_metrics_reads_masks_as_livecut_eval_does(tmp_path, monkeypatch, capsys):
    """A 0/1 mask (and one saved as a JPEG, or in capitals) was read by cv2.imread as
    'masks/NAME.png' and thresholded at 128: an empty truth, IoU 0 without a word."""
    import json

    import cv2
    import pytest
    from synth import make_scene

    name = json.loads((REPO / "livecut" / "models" / "cuhk_split.json").read_text())["val"][0]
    stem = name.rsplit(".", 1)[0]
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    img, gt = make_scene("basic", 320, 240, seed=0)
    cv2.imwrite(str(tmp_path / "images" / name), img)
    monkeypatch.setattr(clip_metrics, "N", 3)
    cv2.imwrite(str(tmp_path / "masks" / f"{stem}.png"), gt)
    plain = _run_clip_metrics(monkeypatch, capsys, tmp_path)["still"]["iou"]
    assert plain > 0.3
    cv2.imwrite(str(tmp_path / "masks" / f"{stem}.png"), gt // 255)  # 0/1
    assert _run_clip_metrics(monkeypatch, capsys, tmp_path)["still"]["iou"] == plain
    (tmp_path / "masks" / f"{stem}.png").unlink()
    cv2.imwrite(str(tmp_path / "masks" / f"{stem.upper()}.BMP"), gt)
    assert _run_clip_metrics(monkeypatch, capsys, tmp_path)["still"]["iou"] == plain
    (tmp_path / "masks" / f"{stem.upper()}.BMP").unlink()
    with pytest.raises(SystemExit, match=f"no mask of {name}"):  # (it was a cv2 assertion)
        _run_clip_metrics(monkeypatch, capsys, tmp_path)


def test_clip_metrics_refuses_unknown_kinds_and_no_photos(tmp_path, monkeypatch, capsys):
    """An unknown --kinds was a KeyError traceback once the first photo was read (after its
    clips of the known kinds were segmented); --photos 0 a KeyError 'iou'."""
    import pytest

    for extra, said in ((("--kinds", "still,pans"), "'pans'"), (("--photos", "0"), "--photos 0")):
        monkeypatch.setattr(sys, "argv", ["clip_metrics.py", str(tmp_path), *extra])
        with pytest.raises(SystemExit) as exc:
            clip_metrics.main()
        assert exc.value.code == 2
        assert said in capsys.readouterr().err


def test_threshold_study_names_a_dataset_it_cannot_read(tmp_path, monkeypatch):
    """`python tools/threshold_study.py CUHK_NATIVE` (the README's command) with a wrong path,
    or a folder without the split's photos, ended in a traceback, KeyError: 'out_of_focus0002.jpg'
    (and a cv2 warning): one line names the folder and what it lacks instead."""
    import pytest

    import threshold_study

    monkeypatch.setattr(sys, "argv", ["threshold_study.py", str(tmp_path / "nowhere")])
    with pytest.raises(SystemExit) as exc:
        threshold_study.main()
    assert str(exc.value).startswith("threshold_study: ") and "nowhere" in str(exc.value)
    assert "images" in str(exc.value) and "masks" in str(exc.value)
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    monkeypatch.setattr(sys, "argv", ["threshold_study.py", str(tmp_path)])
    with pytest.raises(SystemExit) as exc:
        threshold_study.main()
    assert str(exc.value).startswith("threshold_study: ") and "out_of_focus" in str(exc.value)


def test_clip_metrics_names_a_missing_dataset_folder(tmp_path, monkeypatch):
    """`python tools/clip_metrics.py CUHK_NATIVE` with a wrong path said
    '.../nowhere/masks: no mask of out_of_focus0006.jpg', as if the folder were there and
    lacked that one mask."""
    import pytest

    monkeypatch.setattr(sys, "argv", ["clip_metrics.py", str(tmp_path / "nowhere"), "--photos", "1"])
    with pytest.raises(SystemExit) as exc:
        clip_metrics.main()
    said = str(exc.value)
    assert said.startswith("clip_metrics: ") and "nowhere" in said and "no mask of" not in said, said
    assert "images/" in said and "masks/" in said, said


def test_train_engine_names_a_missing_dataset_folder_and_torch(tmp_path, monkeypatch, capsys):
    """`python tools/train_engine.py CUHK_NATIVE --epochs 110` (the README's command) with a
    wrong path ended in a traceback: ModuleNotFoundError 'torch' where the train extra is not
    installed, else FileNotFoundError from the images/ folder.  The folder is checked first, and
    a missing torch is one line naming the extra."""
    import importlib.util

    import pytest

    import train_engine

    monkeypatch.setattr(sys, "argv", ["train_engine.py", str(tmp_path / "nowhere"), "--epochs", "1"])
    with pytest.raises(SystemExit) as exc:
        train_engine.main()
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "nowhere" in err and "images/" in err and "Traceback" not in err, err
    if importlib.util.find_spec("torch") is None:
        (tmp_path / "images").mkdir()
        (tmp_path / "masks").mkdir()
        monkeypatch.setattr(sys, "argv", ["train_engine.py", str(tmp_path), "--epochs", "1"])
        with pytest.raises(SystemExit) as exc:
            train_engine.main()
        assert exc.value.code == 2 and "pip install -e '.[train]'" in capsys.readouterr().err


def test_transcode_split_times_the_engine_and_a_constant_mask(tmp_path):
    """tools/transcode_split.py: the four rows (blur / colour background, the engine / a
    constant mask); with the constant mask the engine stage costs nothing and the engine's
    methods are given back afterwards; --make-pan writes a moving clip of the size asked."""
    import av
    import cv2

    import livecut.segment as S
    import transcode_split

    before = (S.Segmenter.mask_i420, S.Segmenter.mask)
    rows = transcode_split.split(None, (320, 180), repeat=1)
    assert (S.Segmenter.mask_i420, S.Segmenter.mask) == before
    assert [(r["background"], r["engine"]) for r in rows] == [
        ("blur", "focusnet"), ("blur", "constant"), (transcode_split.COLOUR, "focusnet"),
        (transcode_split.COLOUR, "constant")]
    for real, constant in (rows[0:2], rows[2:4]):
        assert constant["engine_ms"] < 0.2 < real["engine_ms"]
        assert real["size"] == constant["size"] == "320x180" and real["ratio"] > 0
    photo = tmp_path / "p.png"
    rng = np.random.default_rng(1)
    cv2.imwrite(str(photo), cv2.GaussianBlur(rng.integers(0, 255, (120, 160, 3), dtype=np.uint8), (0, 0), 2))
    out = tmp_path / "pan.mp4"
    transcode_split.make_pan(str(out), str(photo), (96, 64), frames=5)
    with av.open(str(out)) as c:
        frames = [f.to_ndarray(format="gray").astype(int) for f in c.decode(video=0)]
    assert len(frames) == 5 and frames[0].shape == (64, 96)
    assert np.abs(frames[4] - frames[0]).mean() > 2  # (it pans)
