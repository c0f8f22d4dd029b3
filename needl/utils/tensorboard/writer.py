"""SummaryWriter with torch.utils.tensorboard's methods, backed by tensorboardX's event writer.

needl Tensors are handed over as NumPy arrays; `add_graph(model, input)` draws needl's tape
(graph.py). tensorboardX is imported when the first writer is made, so `import needl` stays fast.
"""
from typing import Any

import numpy as np

from ...autograd.tensor import Tensor

_INSTALL = ("needl.utils.tensorboard needs the tensorboardX package to write event files: "
            "pip install tensorboardX (or pip install 'needl-numpy[tensorboard]')")


def _plain(value: Any) -> Any:
    """Tensors as NumPy arrays (0-d ones as Python numbers), containers converted item by item."""
    if isinstance(value, Tensor):
        array = value.detach().numpy()
        return array.item() if array.ndim == 0 else array
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)) and any(isinstance(item, Tensor) for item in value):
        return type(value)(_plain(item) for item in value)
    return value


class SummaryWriter:
    """Writes scalars, histograms, images, text, hyperparameters and graphs for TensorBoard.

    `SummaryWriter(log_dir=None, comment='', purge_step=None, max_queue=10, flush_secs=120,
    filename_suffix='')`, as PyTorch's; without log_dir it writes to runs/<date>_<host><comment>.
    """

    def __init__(self, log_dir: str | None = None, comment: str = "", purge_step: int | None = None,
                 max_queue: int = 10, flush_secs: int = 120, filename_suffix: str = ""):
        try:
            import tensorboardX
        except ImportError:
            raise ImportError(_INSTALL) from None
        self._writer = tensorboardX.SummaryWriter(
            logdir=log_dir, comment=comment, purge_step=purge_step, max_queue=max_queue,
            flush_secs=flush_secs, filename_suffix=filename_suffix)

    @property
    def log_dir(self) -> str:
        return self._writer.logdir

    def get_logdir(self) -> str:
        return self._writer.logdir

    def add_scalar(self, tag: str, scalar_value, global_step: int | None = None,
                   walltime: float | None = None, new_style: bool = False,
                   double_precision: bool = False) -> None:
        self._writer.add_scalar(tag, float(_plain(scalar_value)), global_step, walltime)

    def add_scalars(self, main_tag: str, tag_scalar_dict: dict, global_step: int | None = None,
                    walltime: float | None = None) -> None:
        values = {tag: float(_plain(value)) for tag, value in tag_scalar_dict.items()}
        self._writer.add_scalars(main_tag, values, global_step, walltime)

    def add_histogram(self, tag: str, values, global_step: int | None = None, bins="tensorflow",
                      walltime: float | None = None, max_bins=None) -> None:
        self._writer.add_histogram(tag, np.asarray(_plain(values)), global_step, bins, walltime,
                                   max_bins)

    def add_image(self, tag: str, img_tensor, global_step: int | None = None,
                  walltime: float | None = None, dataformats: str = "CHW") -> None:
        self._writer.add_image(tag, np.asarray(_plain(img_tensor)), global_step, walltime,
                               dataformats)

    def add_images(self, tag: str, img_tensor, global_step: int | None = None,
                   walltime: float | None = None, dataformats: str = "NCHW") -> None:
        self._writer.add_images(tag, np.asarray(_plain(img_tensor)), global_step, walltime,
                                dataformats)

    def add_text(self, tag: str, text_string: str, global_step: int | None = None,
                 walltime: float | None = None) -> None:
        self._writer.add_text(tag, text_string, global_step, walltime)

    def add_hparams(self, hparam_dict: dict, metric_dict: dict, hparam_domain_discrete=None,
                    run_name: str | None = None, global_step: int | None = None) -> None:
        if hparam_domain_discrete is not None:
            raise NotImplementedError("add_hparams: hparam_domain_discrete is not supported by "
                                      "tensorboardX, which needl writes through; leave it out")
        self._writer.add_hparams(_plain(dict(hparam_dict)), _plain(dict(metric_dict)),
                                 name=run_name, global_step=global_step)

    def add_graph(self, model, input_to_model=None, verbose: bool = False,
                  use_strict_trace: bool = True) -> None:
        """Run model(input_to_model) once and write the tape it records as the graph."""
        from .graph import graph_def
        if input_to_model is None:
            raise ValueError("add_graph needs input_to_model: needl draws the tape of one forward pass")
        graph = graph_def(model, input_to_model)
        if verbose:
            print(graph)
        self._writer._get_file_writer().add_onnx_graph(graph)  # writes any GraphDef event

    def add_figure(self, tag: str, figure, global_step: int | None = None, close: bool = True,
                   walltime: float | None = None) -> None:
        self._writer.add_figure(tag, figure, global_step, close, walltime)

    def add_pr_curve(self, tag: str, labels, predictions, global_step: int | None = None,
                     num_thresholds: int = 127, weights=None, walltime: float | None = None) -> None:
        self._writer.add_pr_curve(tag, np.asarray(_plain(labels)), np.asarray(_plain(predictions)),
                                  global_step, num_thresholds, _plain(weights), walltime)

    def add_embedding(self, mat, metadata=None, label_img=None, global_step: int | None = None,
                      tag: str = "default", metadata_header=None) -> None:
        self._writer.add_embedding(np.asarray(_plain(mat)), metadata, _plain(label_img),
                                   global_step, tag, metadata_header)

    def flush(self) -> None:
        self._writer.flush()

    def close(self) -> None:
        self._writer.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
