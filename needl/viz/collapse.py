"""Keep big graphs readable: fold repeated module calls into one box each."""


class RepeatedCalls:
    """Calls of one module (or of same-shaped sibling modules) that make_dot draws as one box.

    Every node with a sequence number in (start, end] is folded into the box: the hidden calls
    and the ops recorded between them in the parent's scope (e.g. the slicing of a time step).
    """
    __slots__ = ("title", "count", "start", "end", "parent", "identifier")

    def __init__(self, title, count, start, end, parent, identifier):
        self.title = title
        self.count = count          # how many calls are hidden in the box
        self.start = start
        self.end = end
        self.parent = parent        # the ModuleCall enclosing all the calls, or None
        self.identifier = identifier

    def contains(self, sequence: int) -> bool:
        return self.start < sequence <= self.end


def _depth(path: str) -> int:
    return -1 if path == "" else path.count(".")


def find_repeats(calls, max_repeats: int, by: str = "module", runs=()) -> list:
    """The runs to fold so that at most `max_repeats` calls show per parent call and group.

    by='module': the calls of one module (a cell called at every time step);
    by='type': the calls of sibling modules of one type with the same parameter shapes
    (the identical blocks of a deep stack). The first `max_repeats - 1` calls and the last
    one stay visible; those between fold. Outer groups fold first; calls inside an earlier
    run (also those in `runs`) are not counted again.
    """
    if max_repeats is None:
        return []
    if not isinstance(max_repeats, int) or max_repeats < 1:
        raise ValueError(f"max_repeats must be a positive int or None, got {max_repeats!r}")
    groups = {}
    for call in calls:
        if call.end is not None and call.end > call.start:
            group = call.path if by == "module" else (call.type_name, call.signature)
            groups.setdefault((group, id(call.parent)), []).append(call)
    taken = list(runs)
    found = []
    def outer_first(group):
        return min(_depth(call.path) for call in group), group[0].start

    for group in sorted(groups.values(), key=outer_first):
        visible = [call for call in group if not any(
            run.start <= call.start and call.end <= run.end for run in taken)]
        if len(visible) <= max_repeats:
            continue
        kept = max_repeats - 1
        start = visible[kept - 1].end if kept else visible[0].start
        end = visible[-2].end
        hidden = visible[kept:-1]
        type_name = hidden[0].type_name
        if by == "module":
            title = f"{hidden[0].path or '(model)'}: {type_name}, {len(hidden)} calls folded"
        else:
            title = f"{hidden[0].path} ... {hidden[-1].path}: {len(hidden)} {type_name} folded"
        run = RepeatedCalls(title, len(hidden), start, end, visible[0].parent, f"repeat{len(taken)}")
        taken.append(run)
        found.append(run)
    return found
