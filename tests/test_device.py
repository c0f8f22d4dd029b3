"""Devices as PyTorch behaves on a CPU-only machine, and the namespace PyTorch programs reach."""
import subprocess
import sys

import pytest

import needl


def test_cpu_devices_compare_and_print_as_pytorch():
    assert str(needl.device("cpu")) == "cpu" and repr(needl.device("cpu", 0)) == "device(type='cpu', index=0)"
    assert needl.device("cpu:0") == needl.device("cpu", 0) and needl.device("cpu") == "cpu"
    assert needl.zeros(2).device == needl.device("cpu") and needl.zeros(2).device.type == "cpu"
    assert needl.device(needl.device("cpu")).type == "cpu"


def test_tensor_to_device_dtype_and_other_tensor():
    x = needl.ones(2)
    assert x.to("cpu") is x and x.cpu() is x and x.to(needl.device("cpu")) is x
    assert x.to("cpu", needl.float64).dtype == needl.float64
    assert x.to(needl.zeros(1, dtype=needl.float64)).dtype == needl.float64
    assert x.to(dtype=needl.float64, non_blocking=True).dtype == needl.float64
    copied = x.to("cpu", copy=True)
    assert copied is not x and copied.tolist() == x.tolist()
    assert x.pin_memory() is x and not x.is_pinned() and not x.is_cuda and x.get_device() == -1


@pytest.mark.parametrize("call", [
    lambda: needl.ones(2).cuda(),
    lambda: needl.ones(2).to("cuda"),
    lambda: needl.ones(2).to("mps"),
    lambda: needl.ones(2).to(needl.device("cuda", 1)),
    lambda: needl.ones(2).to("xpu:0"),
    lambda: needl.cuda.set_device(0),
    lambda: needl.cuda.synchronize(),
])
def test_accelerators_raise_an_error_that_says_what_to_write(call):
    with pytest.raises(RuntimeError, match="needl computes on the CPU only"):
        call()


def test_unknown_device_strings_are_refused():
    with pytest.raises(RuntimeError, match="device type"):
        needl.device("gpu0")
    with pytest.raises(RuntimeError, match="Invalid device"):
        needl.device("cpu:x")


def test_cpu_only_answers_of_cuda_accelerator_and_backends():
    assert needl.cuda.is_available() is False and needl.cuda.device_count() == 0
    assert needl.cuda.memory_allocated() == 0 and needl.cuda.is_bf16_supported() is False
    needl.cuda.manual_seed_all(3)
    needl.cuda.empty_cache()
    assert needl.accelerator.is_available() is False and needl.accelerator.current_accelerator() is None
    assert needl.backends.mps.is_available() is False and needl.backends.cudnn.is_available() is False
    needl.backends.cudnn.benchmark = True
    needl.backends.cudnn.deterministic = True
    needl.backends.cuda.matmul.allow_tf32 = True
    assert needl.backends.cudnn.benchmark and needl.backends.cuda.matmul.allow_tf32
    needl.backends.cudnn.benchmark = needl.backends.cudnn.deterministic = False
    needl.backends.cuda.matmul.allow_tf32 = False


def test_the_device_idiom_of_pytorch_programs():
    device = needl.device("cuda" if needl.cuda.is_available() else "cpu")
    model = needl.nn.Linear(3, 2)
    x = needl.randn(4, 3).to(device)
    assert model(x).shape == (4, 2) and device.type == "cpu"


def test_compile_jit_amp_keep_the_program_as_written():
    model = needl.nn.Linear(3, 2)
    assert needl.compile(model) is model and needl.compile(mode="max-autotune")(model) is model
    assert needl.jit.script(model) is model and needl.jit.trace(model, needl.ones(1, 3)) is model
    assert not needl.jit.is_scripting() and not needl.jit.is_tracing()

    @needl.jit.ignore
    def helper(value):
        return value + 1
    assert helper(1) == 2
    scaler = needl.amp.GradScaler()
    optimizer = needl.optim.SGD(model.parameters(), lr=0.1)
    for autocast in (needl.autocast("cpu"), needl.amp.autocast("cuda", dtype=needl.float16),
                     needl.cuda.amp.autocast(), needl.cpu.amp.autocast()):
        with autocast:
            loss = model(needl.ones(2, 3)).sum()
        assert loss.dtype == needl.float32  # full precision kept
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad()


def test_grad_scaler_skips_steps_with_non_finite_gradients():
    weight = needl.tensor([1.0], requires_grad=True)
    optimizer = needl.optim.SGD([weight], lr=1.0)
    weight.grad = needl.tensor([float("inf")])
    scaler = needl.amp.GradScaler()
    scaler.unscale_(optimizer)
    scaler.step(optimizer)
    assert weight.item() == 1.0


def test_inference_mode_and_variable():
    x = needl.ones(2, requires_grad=True)
    with needl.inference_mode():
        assert not (x * 2).requires_grad
    with needl.inference_mode(False):
        assert (x * 2).requires_grad

    @needl.inference_mode()
    def apply():
        return x * 2
    assert not apply().requires_grad
    assert needl.autograd.Variable is needl.Tensor


def test_threads_and_matmul_precision_settings():
    assert needl.get_num_threads() >= 1
    needl.set_float32_matmul_precision("high")
    assert needl.get_float32_matmul_precision() == "high"
    needl.set_float32_matmul_precision("highest")
    with pytest.raises(RuntimeError, match="expected one of"):
        needl.set_float32_matmul_precision("fast")


def test_every_subpackage_is_reachable_after_a_bare_import():
    code = ("import needl; needl.nn.Linear; needl.nn.functional.relu; needl.nn.init.zeros_; "
            "needl.nn.utils.clip_grad_norm_; needl.optim.lr_scheduler.StepLR; "
            "needl.utils.data.DataLoader; needl.autograd.grad; needl.cuda.is_available; "
            "needl.backends.cudnn; needl.jit.script; needl.amp.GradScaler; needl.testing.assert_close")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=".")


def test_assert_close_uses_pytorchs_tolerances():
    needl.testing.assert_close(needl.tensor([1.0]), needl.tensor([1.0 + 1e-6]))
    with pytest.raises(AssertionError, match="not close"):
        needl.testing.assert_close(needl.tensor([1.0]), needl.tensor([1.001]))
    with pytest.raises(AssertionError, match="dtype"):
        needl.testing.assert_close(needl.tensor([1.0]), needl.tensor([1.0], dtype=needl.float64))


def test_amp_classes_at_pytorchs_module_paths():
    import needl.amp.autocast_mode
    import needl.amp.grad_scaler
    import needl.cuda.amp.grad_scaler
    assert needl.cuda.amp.grad_scaler.GradScaler is needl.amp.GradScaler
    assert needl.amp.grad_scaler.GradScaler is needl.amp.GradScaler
    assert needl.amp.autocast_mode.autocast is needl.amp.autocast
    assert issubclass(needl.cuda.amp.autocast_mode.autocast, needl.amp.autocast)
