"""detect_anomaly: the first NaN or Inf made in backward names the op and where it was recorded."""
from .mode import _GradMode


class detect_anomaly:
    """Context manager (and decorator) that checks every gradient the tape makes.

    Ops recorded inside it keep the stack of where they were created, for the error message.
    It slows backward down: use it to debug, not to train.
    """

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        self.previous = _GradMode.anomaly
        _GradMode.anomaly = self.check_nan
        return self

    def __exit__(self, *exc_info):
        _GradMode.anomaly = self.previous
        return False

    def __call__(self, function):
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return function(*args, **kwargs)
        return wrapper


def set_detect_anomaly(mode: bool) -> None:
    _GradMode.anomaly = bool(mode)


def is_anomaly_enabled() -> bool:
    return _GradMode.anomaly
