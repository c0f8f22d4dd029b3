"""make_dot: a graphviz.Digraph of the tape behind a tensor (ops, leaves, parameters, modules)."""
import inspect
from collections import Counter

import numpy as np

from ..autograd.tensor import Tensor
from .collapse import find_repeats
from .modules import ModuleTrace, innermost_calls
from .walk import collect_nodes, format_bytes, format_shape, is_function_node, output_layouts, saved_arrays

INSTALL_PYTHON_PACKAGE = ("needl.viz needs the graphviz Python package: pip install graphviz "
                          "(or pip install 'needl-numpy[viz]')")

_OP_STYLE = {"shape": "box", "style": "rounded,filled", "fillcolor": "lightgrey"}
_PARAMETER_STYLE = {"shape": "box", "style": "filled", "fillcolor": "lightblue"}
_LEAF_STYLE = {"shape": "box", "style": "filled", "fillcolor": "lightyellow"}
_CONSTANT_STYLE = {"shape": "box", "style": "dashed", "color": "grey40", "fontcolor": "grey30"}
_OUTPUT_STYLE = {"shape": "box", "style": "filled", "fillcolor": "darkolivegreen1"}
_SAVED_STYLE = {"shape": "note", "style": "filled", "fillcolor": "orange", "fontsize": "9"}
_FOLDED_STYLE = {"shape": "box3d", "style": "filled", "fillcolor": "thistle"}
_HIDDEN_STYLE = {"shape": "box", "style": "dotted", "fontcolor": "grey30"}
SPREAD_LEAF_AFTER = 4  # a leaf feeding more units than this is named inside their boxes


def import_graphviz():
    try:
        import graphviz
    except ImportError as error:
        raise ImportError(INSTALL_PYTHON_PACKAGE) from error
    return graphviz


def make_dot(tensor, params=None, show_saved: bool = False, modules: ModuleTrace | None = None,
             max_nodes: int | None = 200, max_repeats: int | None = 2):
    """A graphviz.Digraph of the tape behind `tensor` (a Tensor or a list of Tensors).

    One box per recorded op: `#k name`, its options, output shape and dtype; k is the order in
    which backward() replays the op (#1 runs first). Parameters (named from
    `params=dict(model.named_parameters())`) are blue, other leaves that require grad yellow,
    tensors that need no gradient dashed, the output green. `show_saved` adds the arrays each
    op keeps for backward with their sizes. `modules` (from `trace_modules(model)`) groups the
    ops in one cluster per module call and folds a module's calls beyond `max_repeats` into one
    box (and, if more than `max_nodes` boxes remain, runs of identical sibling modules too); at
    most `max_nodes` op boxes are drawn (the last recorded ones); the caption says what was
    folded or left out.
    """
    graphviz = import_graphviz()
    roots = list(tensor) if isinstance(tensor, (list, tuple)) else [tensor]
    for index, root in enumerate(roots):
        if not isinstance(root, Tensor):
            raise TypeError(f"make_dot expects a Tensor or a list of Tensors, got {type(root).__name__}"
                            + (f" at position {index}" if len(roots) > 1 else ""))
    if modules is not None and not isinstance(modules, ModuleTrace):
        raise TypeError(f"modules must be the object returned by needl.viz.trace_modules(model), "
                        f"got {type(modules).__name__}")
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 1):
        raise ValueError(f"max_nodes must be a positive int or None, got {max_nodes!r}")
    builder = _GraphBuilder(graphviz, _parameter_names(params), show_saved)
    builder.build(roots, modules, max_nodes, max_repeats)
    return builder.dot


def _parameter_names(params) -> dict:
    """id(tensor) -> name, from a dict (or pairs) of name -> Tensor."""
    if params is None:
        return {}
    items = params.items() if hasattr(params, "items") else params
    names = {}
    for name, value in items:
        if not isinstance(value, Tensor):
            raise TypeError(f"params['{name}'] must be a Tensor, got {type(value).__name__}")
        names.setdefault(id(value), str(name))
    return names


def _describe_layouts(layouts) -> str:
    """One line per distinct (shape, dtype), with a count when several outputs share it."""
    counts = Counter(f"{format_shape(shape)} {np.dtype(dtype).name}" for shape, dtype in layouts)
    parts = [text if count == 1 else f"{text} ×{count}" for text, count in counts.items()]
    if len(parts) > 4:
        parts = parts[:3] + [f"... ({len(layouts)} outputs)"]
    return "\\n".join(parts)


def _short(value) -> str | None:
    """A compact text for an option or constant input, or None when it would not fit on a line."""
    if isinstance(value, Tensor):
        value = value._data
    if isinstance(value, np.ndarray):
        return f"array{format_shape(value.shape)}"
    if isinstance(value, np.generic):
        value = value.item()
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 24 else None


def _signature(function) -> tuple:
    """(positional names, keyword defaults) of an op's forward: constants are drawn by name and
    options left at their default are not drawn."""
    try:
        parameters = list(inspect.signature(function.forward).parameters.values())
    except (AttributeError, TypeError, ValueError):
        return [], {}
    positional = []
    for parameter in parameters:
        if parameter.kind not in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            break
        positional.append(parameter.name)
    defaults = {parameter.name: parameter.default for parameter in parameters
                if parameter.default is not inspect.Parameter.empty}
    return positional, defaults


def _same(value, default) -> bool:
    try:
        return type(value) is type(default) and bool(value == default)
    except (TypeError, ValueError):
        return False


def _options_text(node) -> str:
    positional, defaults = _signature(node.function)
    parts = []
    for index, input in enumerate(node.inputs):
        if not isinstance(input, Tensor) and input is not None:
            text = _short(input)
            if text is not None:
                name = positional[index] if index < len(positional) else f"arg{index}"
                parts.append(f"{name}={text}")
    for key, value in (node.options or {}).items():
        if key in defaults and _same(value, defaults[key]):
            continue
        text = _short(value)
        if text is not None and value is not None:
            parts.append(f"{key}={text}")
    lines, line = [], ""
    for part in parts:
        if line and len(line) + len(part) > 32:
            lines.append(line)
            line = ""
        line = f"{line}, {part}" if line else part
    if line:
        lines.append(line)
    return "\\n".join(lines[:3])


def _wrap(names, width: int = 36) -> str:
    """Comma-separated names on lines of about `width` characters (DOT line breaks)."""
    lines, line = [], ""
    for name in names:
        if line and len(line) + len(name) > width:
            lines.append(line + ",")
            line = ""
        line = f"{line}, {name}" if line else name
    lines.append(line)
    return "\\n".join(lines)


class _GraphBuilder:
    """Collects the nodes, edges and clusters of one drawing, then emits them into a Digraph."""

    def __init__(self, graphviz, parameter_names, show_saved):
        self.graphviz = graphviz
        self.parameter_names = parameter_names
        self.show_saved = show_saved
        self.dot = graphviz.Digraph(
            name="needl", graph_attr={"rankdir": "TB", "fontsize": "10", "fontname": "Helvetica",
                                      "labelloc": "b", "nodesep": "0.25", "ranksep": "0.35"},
            node_attr={"fontsize": "10", "height": "0.2", "fontname": "Helvetica"},
            edge_attr={"arrowsize": "0.6"})
        self.members = {}   # cluster (a ModuleCall or None) -> list of (id, label, style)
        self.edges = []
        self.seen_edges = set()
        self.leaf_ids = {}  # id(tensor) -> (node id, tensor)
        self.inline = {}    # unit -> names of the widely shared leaves it reads
        self.leaf_consumers = {}
        self.notes = []

    # ---- structure -----------------------------------------------------------------------
    def build(self, roots, modules, max_nodes, max_repeats):
        self.max_repeats = max_repeats
        nodes = collect_nodes(roots)
        self.step = {node: index + 1 for index, node in enumerate(nodes)}
        calls = modules.calls if modules is not None else []
        innermost = innermost_calls([node.sequence for node in nodes], calls) if calls else {}
        runs = find_repeats(calls, max_repeats) if calls else []
        unit_of, folded = self._group(nodes, runs, innermost)
        if calls and max_nodes is not None and len(set(unit_of.values())) > max_nodes:
            # still too big: also fold runs of identical sibling modules (the blocks of a deep stack)
            siblings = find_repeats(calls, max_repeats, by="type", runs=runs)
            if siblings:
                runs = runs + siblings
                unit_of, folded = self._group(nodes, runs, innermost)
        # units in replay order: the newest ones first, so a cap keeps the part next to the output
        units = list(dict.fromkeys(unit_of[node] for node in nodes))
        shown = set(units if max_nodes is None else units[:max_nodes])
        hidden_nodes = [node for node in nodes if unit_of[node] not in shown]
        if hidden_nodes:
            self.notes.append(f"{len(hidden_nodes)} earlier ops not shown (max_nodes={max_nodes}); "
                              f"they feed the dotted box")
        self._folded_leaves = {run.identifier: [0, 0, 0] for run in folded}  # inputs, params, values
        self._collect_leaves(nodes, unit_of, shown, folded)
        for run, members in folded.items():
            if run.identifier in shown:
                self._add_run(run, members)
        for node in nodes:
            unit = unit_of[node]
            if unit not in shown:
                continue
            if unit == f"op{node.sequence}":
                self._add_op(node)
            self._add_input_edges(node, unit, unit_of, shown)
        if hidden_nodes:
            self._add("hidden", f"... {len(hidden_nodes)} earlier ops\\n(raise max_nodes to see them)",
                      _HIDDEN_STYLE, None)
        self._add_leaves()
        self._add_outputs(roots, unit_of)
        self.notes.insert(0, "#k: the k-th op replayed by backward()")
        self._emit()

    def _group(self, nodes, runs, innermost):
        """Map each node to its unit (itself, or the run folding it) and each unit to its cluster."""
        self.cluster_of = {}
        unit_of = {}
        folded = {}
        for node in nodes:
            run = next((run for run in runs if run.contains(node.sequence)), None)
            if run is None:
                unit_of[node] = f"op{node.sequence}"
                self.cluster_of[unit_of[node]] = innermost.get(node.sequence)
            else:
                unit_of[node] = run.identifier
                self.cluster_of[run.identifier] = run.parent
                folded.setdefault(run, []).append(node)
        return unit_of, folded

    def _collect_leaves(self, nodes, unit_of, shown, folded):
        """Find the leaves that are drawn, and which units consume them."""
        folded_ids = {run.identifier for run in folded}
        for node in nodes:
            unit = unit_of[node]
            if unit not in shown:
                continue
            for input in node.inputs:
                if isinstance(input, Tensor) and input.grad_fn is None:
                    self.leaf_consumers.setdefault(id(input), (input, []))[1].append(unit)
        for key, (tensor, consumers) in list(self.leaf_consumers.items()):
            units = set(consumers)
            only = next(iter(units)) if len(units) == 1 else None
            if only in folded_ids:
                counts = self._folded_leaves[only]
                if key in self.parameter_names:
                    counts[1] += 1
                    counts[2] += tensor._data.size
                else:
                    counts[0] += 1
                del self.leaf_consumers[key]

    def _add(self, identifier, label, style, cluster):
        self.members.setdefault(cluster, []).append((identifier, label, style))

    def _edge(self, source, target, **attributes):
        key = (source, target, attributes.get("label"))
        if source == target or key in self.seen_edges:
            return
        self.seen_edges.add(key)
        self.edges.append((source, target, attributes))

    def _add_op(self, node):
        identifier = f"op{node.sequence}"
        kind = " (Function)" if is_function_node(node) else ""
        lines = [f"#{self.step[node]} {node.function.name}{kind}"]
        options = "" if is_function_node(node) else _options_text(node)
        if options:
            lines.append(options)
        layouts = output_layouts(node)
        if layouts:
            lines.append(_describe_layouts(layouts))
        cluster = self.cluster_of[identifier]
        self._add(identifier, "\\n".join(lines), _OP_STYLE, cluster)
        if self.show_saved:
            arrays = saved_arrays(node)
            total = sum(array.nbytes for _, array in arrays)
            rows = [f"saved for backward: {format_bytes(total)}"] + [
                f"{what} {format_shape(array.shape)} {array.dtype.name} {format_bytes(array.nbytes)}"
                for what, array in arrays[:6]]
            if len(arrays) > 6:
                rows.append(f"... {len(arrays) - 6} more arrays")
            self._add(f"saved{node.sequence}", "\\l".join(rows) + "\\l", _SAVED_STYLE, cluster)
            self._edge(f"saved{node.sequence}", identifier, style="dotted", arrowhead="none")

    def _add_run(self, run, members):
        counts = Counter(node.function.name for node in members).most_common(3)
        steps = sorted(self.step[node] for node in members)
        lines = [run.title,
                 f"{len(members)} ops: " + ", ".join(f"{name} {count}" for name, count in counts),
                 f"backward #{steps[0]}..#{steps[-1]}"]
        inputs, parameters, values = self._folded_leaves.get(run.identifier, (0, 0, 0))
        if parameters:
            lines.append(f"{parameters} parameters ({values:,} values)")
        if inputs:
            lines.append(f"{inputs} input tensors")
        self._add(run.identifier, "\\n".join(lines), _FOLDED_STYLE, run.parent)
        self.notes.append(f"{run.title} into one box (max_repeats={self.max_repeats})")

    def _add_input_edges(self, node, unit, unit_of, shown):
        for input in node.inputs:
            if not isinstance(input, Tensor):
                continue
            producer = input.grad_fn
            if producer is None:
                if id(input) in self.leaf_consumers:
                    self._link_leaf(input, unit)
                continue
            source = unit_of[producer] if unit_of[producer] in shown else "hidden"
            if producer.outputs and source != "hidden":
                self._edge(source, unit, label=str(input._index), fontsize="8")
            else:
                self._edge(source, unit)

    def _leaf_name(self, tensor):
        name = self.parameter_names.get(id(tensor))
        if name is None:
            kind = "leaf" if tensor.requires_grad else "input (no grad)"
            name = f"{kind} {format_shape(tensor.shape)} {tensor.dtype.name}"
        return name

    def _link_leaf(self, tensor, unit):
        """An edge from the leaf; a leaf feeding many units (a weight shared over time steps) is
        named inside their boxes instead, so that it does not pull edges across the drawing."""
        key = id(tensor)
        if key not in self.leaf_ids:
            self.leaf_ids[key] = (f"leaf{len(self.leaf_ids)}", tensor)
        consumers = set(self.leaf_consumers[key][1])
        if len(consumers) > SPREAD_LEAF_AFTER:
            names = self.inline.setdefault(unit, [])
            if self._leaf_name(tensor) not in names:
                names.append(self._leaf_name(tensor))
        else:
            self._edge(self.leaf_ids[key][0], unit)

    def _add_leaves(self):
        for key, (identifier, tensor) in self.leaf_ids.items():
            name = self.parameter_names.get(key)
            title = name or ("leaf" if tensor.requires_grad else "input (no grad)")
            lines = [title, f"{format_shape(tensor.shape)} {tensor.dtype.name}"]
            consumers = self.leaf_consumers[key][1]
            if len(set(consumers)) > SPREAD_LEAF_AFTER:
                lines.append(f"feeds {len(set(consumers))} ops (named in their boxes)")
            if name is not None:
                self._add(identifier, "\\n".join(lines), _PARAMETER_STYLE,
                          self._common_cluster([self.cluster_of.get(unit) for unit in consumers]))
            else:
                self._add(identifier, "\\n".join(lines),
                          _LEAF_STYLE if tensor.requires_grad else _CONSTANT_STYLE, None)

    @staticmethod
    def _common_cluster(clusters):
        """The innermost module call enclosing every cluster in the list (None: top level)."""
        def chain(call):
            path = []
            while call is not None:
                path.append(call)
                call = call.parent
            return path[::-1]
        chains = [chain(cluster) for cluster in clusters]
        common = None
        for level in zip(*chains):
            if all(call is level[0] for call in level):
                common = level[0]
            else:
                break
        return common

    def _add_outputs(self, roots, unit_of):
        for index, root in enumerate(roots):
            identifier = f"output{index}"
            label = f"output{index if len(roots) > 1 else ''}\\n{format_shape(root.shape)} {root.dtype.name}"
            if root.grad_fn is None:
                name = self.parameter_names.get(id(root))
                label = f"{name or 'leaf (no graph)'}\\n{format_shape(root.shape)} {root.dtype.name}"
                self._add(identifier, label, _OUTPUT_STYLE, None)
                continue
            self._add(identifier, label, _OUTPUT_STYLE, None)
            source = unit_of[root.grad_fn]
            if root.grad_fn.outputs:
                self._edge(source, identifier, label=str(root._index), fontsize="8")
            else:
                self._edge(source, identifier)

    # ---- output --------------------------------------------------------------------------
    def _emit(self):
        children = {}
        for cluster in list(self.members):
            call = cluster
            while call is not None:
                children.setdefault(call.parent, set()).add(call)
                call = call.parent
        self._emit_cluster(self.dot, None, children)
        for source, target, attributes in self.edges:
            self.dot.edge(source, target, **attributes)
        self.dot.attr(label="\\n".join(self.notes))

    def _emit_cluster(self, graph, cluster, children):
        for identifier, label, style in self.members.get(cluster, ()):
            if identifier in self.inline:
                label += "\\nuses " + _wrap(self.inline[identifier])
            graph.node(identifier, label, **style)
        for child in sorted(children.get(cluster, ()), key=lambda call: call.opened):
            subgraph = self.graphviz.Digraph(name=f"cluster_{child.opened}")
            subgraph.attr(label=child.title(), labelloc="t", style="rounded,dashed", color="steelblue",
                          fontcolor="steelblue", fontsize="10", labeljust="l")
            self._emit_cluster(subgraph, child, children)
            graph.subgraph(subgraph)
