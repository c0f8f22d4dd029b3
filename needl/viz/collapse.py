"""Keep big graphs readable: fold repeated module calls into one box each."""


class RepeatedCalls:
    """Calls of one module (under one parent call) that make_dot draws as a single box.

    Every node with a sequence number in (start, end] is folded into the box: the hidden calls
    and the ops recorded between them in the parent's scope (e.g. the slicing of a time step).
    """
    __slots__ = ("path", "type_name", "count", "start", "end", "parent", "identifier")

    def __init__(self, path, type_name, count, start, end, parent, identifier):
        self.path = path
        self.type_name = type_name
        self.count = count          # how many calls are hidden in the box
        self.start = start
        self.end = end
        self.parent = parent        # the ModuleCall enclosing all the calls, or None
        self.identifier = identifier

    def contains(self, sequence: int) -> bool:
        return self.start < sequence <= self.end


def find_repeats(calls, max_repeats: int) -> list:
    """The runs to fold so that each module shows at most `max_repeats` calls per parent call.

    The first `max_repeats - 1` calls and the last call stay visible; the ones between fold.
    Outer modules are folded first, so the calls inside a folded run are not counted again.
    """
    if max_repeats is None:
        return []
    if not isinstance(max_repeats, int) or max_repeats < 1:
        raise ValueError(f"max_repeats must be a positive int or None, got {max_repeats!r}")
    groups = {}
    for call in calls:
        if call.end is not None and call.end > call.start:
            groups.setdefault((call.path, id(call.parent)), []).append(call)

    def depth(path):
        return -1 if path == "" else path.count(".")

    runs = []
    for (path, _), group in sorted(groups.items(), key=lambda item: (depth(item[0][0]), item[1][0].start)):
        visible = [call for call in group if not any(
            run.start <= call.start and call.end <= run.end for run in runs)]
        if len(visible) <= max_repeats:
            continue
        kept = max_repeats - 1
        start = visible[kept - 1].end if kept else visible[0].start
        end = visible[-2].end
        runs.append(RepeatedCalls(path, visible[0].type_name, len(visible) - max_repeats, start, end,
                                  visible[0].parent, f"repeat{len(runs)}"))
    return runs
