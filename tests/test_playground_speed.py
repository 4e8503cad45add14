"""What the playground leaves out of a frame to draw faster, and that the frame stays the same
otherwise (no test here times anything)."""

from __future__ import annotations

import json

import numpy as np

from neuralab.playground.frames import decode_frame, grid_features, heatmaps, quantize
from neuralab.playground.protocol import FEATURES, parse_message
from neuralab.playground.session import Session

BIG = {"features": list(FEATURES), "hidden": [8] * 6, "grid": 100}


def test_frames_pushed_while_playing_leave_out_the_feature_maps() -> None:
    s = Session(BIG)
    s.playing = True
    full = s.frame()
    pushed = [r for r in s.tick() if isinstance(r, bytes)]
    assert len(pushed) == 1
    head, maps = decode_frame(pushed[0])
    assert not any(h["id"].startswith("F") for h in head["heatmaps"])
    assert "output" in maps and "L6N7" in maps
    g, k, d = 100, 2, len(FEATURES)
    assert len(full) - len(pushed[0]) > g * g * d  # the D maps, G² bytes each, are gone
    # a frame sent in reply to a message (here: pause) carries them
    reply = s.apply(parse_message(json.dumps({"type": "pause"})))[-1]
    ids = [h["id"] for h in decode_frame(reply)[0]["heatmaps"]]
    assert ids[: 1 + d] == ["output", *[f"F{i}" for i in range(d)]]
    # the maps that stay are the same bytes at the same place relative to each other
    same = decode_frame(s.frame(feature_maps=False))[1]
    with_f = decode_frame(s.frame())[1]
    assert set(with_f) - set(same) == {f"F{i}" for i in range(d)}
    for key, m in same.items():
        assert np.array_equal(m, with_f[key])
    assert k == with_f["output"].shape[2]


def test_hidden_maps_quantized_in_one_pass_equal_each_layer_on_its_own() -> None:
    """The neuron maps of all layers ranged and quantized together are, byte for byte, each
    layer's maps quantized over its own units' ranges (frames.heatmaps' former loop)."""
    rng = np.random.default_rng(0)
    g = 20
    hidden = [rng.normal(size=(g * g, h)).astype(np.float32) for h in (3, 5, 2)]
    hidden[1][:, 2] = 0.5  # a constant unit: hi == lo maps to 0
    output = rng.uniform(size=(g * g, 2)).astype(np.float32)
    entries, payload = heatmaps(g, output, (0.0, 1.0), grid_features(["x1", "x2"], g), hidden)
    by_id = {e["id"]: e for e in entries}
    for layer, act in enumerate(hidden, start=1):
        q = quantize(act, act.min(axis=0), act.max(axis=0))
        for unit in range(act.shape[1]):
            e = by_id[f"L{layer}N{unit}"]
            got = payload[e["offset"] : e["offset"] + g * g]
            assert np.array_equal(got, q[:, unit])
            assert e["lo"] == float(act[:, unit].min()) and e["hi"] == float(act[:, unit].max())
    assert payload.size == g * g * (2 + 2 + 10)
