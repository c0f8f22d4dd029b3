"""needl.viz: the DOT source of known graphs, module clusters, folding, the cap, rendering."""
import re
import runpy
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

import needl
from needl import nn
from needl.autograd import Function, op

graphviz = pytest.importorskip("graphviz")
from needl import viz  # noqa: E402  (after the importorskip)

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="the Graphviz dot program is not installed")


def small_graph():
    x = needl.randn(3, 4, requires_grad=True)
    w = needl.randn(4, 2, requires_grad=True)
    product = x @ w
    activation = product.tanh()
    loss = activation.sum()
    return x, w, product, activation, loss


def labels(source):
    """node id -> label text, from DOT source."""
    found = re.findall(r'^\s*(\w+) \[label=(?:"((?:[^"\\]|\\.)*)"|(\w+))', source, flags=re.M)
    return {key: quoted or bare for key, quoted, bare in found}


def test_small_graph_nodes_edges_labels_and_parameter_name():
    x, w, product, activation, loss = small_graph()
    source = viz.make_dot(loss, params={"weight": w}).source
    ids = {name: f"op{t.grad_fn.sequence}" for name, t in
           (("matmul", product), ("tanh", activation), ("sum", loss))}
    found = labels(source)
    # the replay order: sum runs first in backward, matmul last
    assert found[ids["sum"]].startswith("#1 sum")
    assert found[ids["tanh"]] == "#2 tanh\\n(3, 2) float32"
    assert found[ids["matmul"]] == "#3 matmul\\n(3, 2) float32"
    assert f"{ids['matmul']} -> {ids['tanh']}" in source
    assert f"{ids['tanh']} -> {ids['sum']}" in source
    assert f"{ids['sum']} -> output0" in source
    parameter = next(key for key, text in found.items() if text.startswith("weight"))
    leaf = next(key for key, text in found.items() if text.startswith("leaf"))
    assert found[parameter] == "weight\\n(4, 2) float32"
    assert found[leaf] == "leaf\\n(3, 4) float32"
    assert f"{parameter} -> {ids['matmul']}" in source and f"{leaf} -> {ids['matmul']}" in source
    assert re.search(rf"{parameter} \[.*fillcolor=lightblue", source)
    assert re.search(rf"{leaf} \[.*fillcolor=lightyellow", source)
    assert source.count(" -> ") == 5


def test_constant_inputs_options_and_defaults_in_labels():
    x = needl.randn(2, 3, requires_grad=True)
    data = needl.ones(2, 3)
    loss = (x * data).sum(dim=1, keepdim=True).pow(3).mean()
    found = labels(viz.make_dot(loss).source)
    texts = list(found.values())
    assert "input (no grad)\\n(2, 3) float32" in texts
    assert any(text.startswith("#3 sum\\ndim=1, keepdim=True\\n(2, 1)") for text in texts)
    assert any(text.startswith("#2 pow\\nexponent=3") for text in texts)
    # options left at their default are not drawn
    assert any(text == "#1 mean\\n() float32" for text in texts)


def test_show_saved_lists_arrays_and_their_bytes():
    x, w, product, activation, loss = small_graph()
    source = viz.make_dot(loss, show_saved=True).source
    found = labels(source)
    saved = found[f"saved{product.grad_fn.sequence}"]
    # output (3, 2) + input x (3, 4) + input w (4, 2), float32
    assert saved.startswith(f"saved for backward: {4 * (6 + 12 + 8)} B")
    assert "input 1 (4, 2) float32 32 B" in saved
    assert f"saved{product.grad_fn.sequence} -> op{product.grad_fn.sequence}" in source
    assert "saved" not in viz.make_dot(loss).source


@op
def halves(x):
    return x * 2, x * 3


@halves.vjp
def halves_vjp(g, out, x):
    first, second = g
    return (0 if first is None else 2 * first) + (0 if second is None else 3 * second)


class Square(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return 2 * x * grad_output


def test_multi_output_edges_are_labelled_and_functions_drawn():
    x = needl.randn(5, requires_grad=True)
    first, second = halves(x)
    loss = (Square.apply(first) + second).sum()
    source = viz.make_dot(loss, show_saved=True).source
    node = first.grad_fn.sequence
    assert re.search(rf'op{node} -> op\d+ \[label=0', source)
    assert re.search(rf'op{node} -> op\d+ \[label=1', source)
    assert "halves\\n(5) float32 ×2" in source
    found = labels(source)
    square = next(text for text in found.values() if "Square" in text)
    assert square == "#3 Square (Function)\\n(5) float32"
    assert "saved_tensors[0] (5) float32 20 B" in source


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = nn.Linear(4, 6)
        self.second = nn.Linear(6, 2)

    def forward(self, input):
        return self.second(self.first(input).relu())


def test_module_calls_become_nested_clusters():
    needl.manual_seed(0)
    model = Block()
    with viz.trace_modules(model) as trace:
        loss = model(needl.randn(3, 4)).sum()
    assert [call.path for call in trace.calls] == ["", "first", "second"]
    source = viz.make_dot(loss, params=dict(model.named_parameters()), modules=trace).source
    assert 'label="(model): Block"' in source and 'label="first: Linear"' in source
    # each cluster holds its module's op and parameters; relu sits in the model's cluster
    first = source[source.index("subgraph cluster_1"):source.index("subgraph cluster_2")]
    assert "first.weight" in first and "first.bias" in first and "second.weight" not in first
    model_level = source[source.index("subgraph cluster_0"):source.index("subgraph cluster_1")]
    assert "relu" in model_level
    # the sum was recorded outside the model: top level, before any cluster
    assert re.search(r'#1 sum', source[:source.index("subgraph cluster_0")])
    # the hooks are gone after the block
    assert all(not module._forward_hooks and not module._forward_pre_hooks for module in model.modules())


class Loop(nn.Module):
    def __init__(self, steps):
        super().__init__()
        self.cell = nn.Linear(3, 3)
        self.steps = steps

    def forward(self, hidden):
        for _ in range(self.steps):
            hidden = self.cell(hidden).tanh()
        return hidden


def test_repeated_module_calls_fold_into_one_box():
    model = Loop(10)
    with viz.trace_modules(model) as trace:
        loss = model(needl.randn(2, 3)).sum()
    source = viz.make_dot(loss, params=dict(model.named_parameters()), modules=trace, max_repeats=2).source
    found = labels(source)
    folded = [text for key, text in found.items() if key.startswith("repeat")]
    assert len(folded) == 1 and folded[0].startswith("cell: Linear, 8 calls folded")
    assert "16 ops: " in folded[0] and "tanh 8" in folded[0]
    assert sum(1 for key in found if key.startswith("op")) == 2 * 2 + 1  # 2 calls + their tanh, sum
    assert "cell: Linear, 8 calls folded into one box (max_repeats=2)" in source
    unfolded = viz.make_dot(loss, modules=trace, max_repeats=None).source
    assert sum(1 for key in labels(unfolded) if key.startswith("op")) == 2 * 10 + 1


def test_identical_sibling_modules_fold_only_when_the_drawing_is_too_big():
    layers = []
    for _ in range(30):
        layers += [nn.Linear(4, 4), nn.Tanh()]
    model = nn.Sequential(*layers)
    with viz.trace_modules(model) as trace:
        loss = model(needl.randn(2, 4)).sum()
    params = dict(model.named_parameters())
    small = labels(viz.make_dot(loss, params=params, modules=trace, max_nodes=100).source)
    assert not any(key.startswith("repeat") for key in small)
    assert sum(1 for key in small if key.startswith("op")) == 61
    found = labels(viz.make_dot(loss, params=params, modules=trace, max_nodes=20).source)
    folded = [text for key, text in found.items() if key.startswith("repeat")]
    assert len(folded) == 1
    assert folded[0].startswith("2 ... 56: 28 Linear folded\\n56 ops: ")
    assert "56 parameters (560 values)" in folded[0]
    # Linear 0 and 58 and the Tanh after them stay: 4 ops, plus the sum
    assert sum(1 for key in found if key.startswith("op")) == 5
    assert "hidden" not in found and "58.weight\\n(4, 4) float32" in found.values()


def test_max_nodes_caps_the_drawing_and_says_what_was_left_out():
    x = needl.randn(4, requires_grad=True)
    y = x
    for _ in range(50):
        y = y * 1.01
    source = viz.make_dot(y.sum(), max_nodes=10).source
    found = labels(source)
    assert sum(1 for key in found if key.startswith("op")) == 10
    assert found["hidden"].startswith("... 41 earlier ops")
    assert "41 earlier ops not shown (max_nodes=10)" in source
    assert "leaf" not in "".join(found.values())  # x only feeds ops that were left out


def test_a_leaf_feeding_many_ops_is_named_in_their_boxes():
    w = needl.randn(3, requires_grad=True)
    y = w
    for _ in range(6):
        y = y * w
    source = viz.make_dot(y, params={"w": w}).source
    found = labels(source)
    assert sum(1 for text in found.values() if text.endswith("\\nuses w")) == 6
    parameter = next(key for key, text in found.items() if text.startswith("w\\n"))
    assert found[parameter] == "w\\n(3) float32\\nfeeds 6 ops (named in their boxes)"
    assert f"{parameter} ->" not in source
    few = viz.make_dot(w * w * w, params={"w": w}).source
    assert few.count("w\\n(3) float32") == 1 and "uses" not in few


def test_several_roots_and_a_leaf_root():
    x = needl.randn(2, requires_grad=True)
    source = viz.make_dot([x.exp(), x.sin()]).source
    assert "output0" in source and "output1" in source
    assert source.count("leaf\\n(2) float32") == 1
    assert "leaf (no graph)" in viz.make_dot(needl.randn(2)).source


def test_errors_are_clear():
    x, w, product, activation, loss = small_graph()
    with pytest.raises(TypeError, match="Tensor or a list of Tensors, got ndarray"):
        viz.make_dot(np.ones(3))
    with pytest.raises(TypeError, match=r"params\['w'\] must be a Tensor"):
        viz.make_dot(loss, params={"w": np.ones(3)})
    with pytest.raises(ValueError, match="max_nodes"):
        viz.make_dot(loss, max_nodes=0)
    loss.backward()
    with pytest.raises(RuntimeError, match="freed by backward"):
        viz.make_dot(loss)


@needs_dot
@pytest.mark.parametrize("format, magic", [("svg", b"<svg"), ("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_render_writes_the_picture(tmp_path, format, magic):
    x, w, product, activation, loss = small_graph()
    written = viz.render(loss, tmp_path / "graph", format=format, params={"w": w})
    assert written == tmp_path / f"graph.{format}"
    content = written.read_bytes()
    assert magic in content[:400]
    if format == "svg":
        assert b"matmul" in content and b"tanh" in content


def test_render_without_dot_writes_the_source_and_says_how_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    x, w, product, activation, loss = small_graph()
    written = viz.render(loss, tmp_path / "graph.png", params={"w": w})
    assert written == tmp_path / "graph.dot"
    assert written.read_text().startswith("digraph needl")
    assert not (tmp_path / "graph.png").exists()
    message = capsys.readouterr().err
    assert "apt-get install graphviz" in message and f"dot -Tpng {written}" in message


def test_render_checks_the_format(tmp_path):
    x, w, product, activation, loss = small_graph()
    with pytest.raises(ValueError, match="format must be one of svg, png, pdf"):
        viz.render(loss, tmp_path / "graph", format="gif")
    with pytest.raises(ValueError, match="ends with .png but format is 'svg'"):
        viz.render(loss, tmp_path / "graph.png", format="svg")


def test_the_example_draws_a_small_cnn(tmp_path, monkeypatch, capsys):
    example = Path(__file__).resolve().parents[1] / "examples" / "visualize.py"
    monkeypatch.setattr(sys, "argv", [str(example), "--output-dir", str(tmp_path), "--batch-size", "2"])
    runpy.run_path(str(example), run_name="__main__")
    printed = capsys.readouterr().out
    assert "Total params: 26,714" in printed and "conv2d" in printed
    if shutil.which("dot") is not None:
        assert (tmp_path / "cnn_graph.png").read_bytes()[:4] == b"\x89PNG"
        svg = (tmp_path / "cnn_graph.svg").read_text()
        assert "features.0: Conv2d" in svg and "classifier.3.weight" in svg
    else:
        assert (tmp_path / "cnn_graph.dot").exists()


class Fails(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = nn.Linear(2, 2)

    def forward(self, input):
        self.inner(input)
        raise ValueError("boom")


def test_trace_survives_a_forward_that_raises_and_removes_its_hooks():
    model = nn.Sequential(Fails())
    with pytest.raises(ValueError, match="boom"):
        with viz.trace_modules(model) as trace:
            model(needl.randn(1, 2))
    closed = [(call.path, call.end is not None) for call in trace.calls]
    assert closed == [("", False), ("0", False), ("0.inner", True)]
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    with pytest.raises(TypeError, match="expects an nn.Module"):
        with viz.trace_modules(object()):
            pass


def test_each_sequence_goes_to_the_innermost_call():
    from needl.viz.modules import ModuleCall, innermost_calls

    def call(path, start, end, parent=None, opened=0):
        made = ModuleCall(path, "M", 0, start, parent, opened)
        made.end = end
        return made
    outer = call("", 0, 10)
    first = call("a", 1, 4, outer, 1)
    nested = call("a.b", 2, 3, first, 2)
    second = call("c", 5, 8, outer, 3)
    same_range = call("c.d", 5, 8, second, 4)
    found = innermost_calls(range(1, 12), [outer, first, nested, second, same_range])
    assert [found[s].path if found[s] else None for s in range(1, 12)] == [
        "", "a", "a.b", "a", "", "c.d", "c.d", "c.d", "", "", None]


def test_without_the_graphviz_package_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # makes `import graphviz` fail
    x, w, product, activation, loss = small_graph()
    with pytest.raises(ImportError, match="pip install graphviz"):
        viz.make_dot(loss)
