"""See the tape: draw the graph behind a tensor with Graphviz (make_dot, render, trace_modules)."""
from .graph import make_dot
from .modules import ModuleTrace, trace_modules
from .render import render

__all__ = ["make_dot", "render", "trace_modules", "ModuleTrace"]
