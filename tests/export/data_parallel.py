"""Training a PyTorch module data-parallel on two processes (gloo, CPU, one
thread each), for the tests of both exports: an MLP as ``nn.Sequential``
(tests/nn/test_torch.py) and a recording as generated code
(tests/export/test_recording.py).

A test gives a module-level ``build(spec)`` (it is sent to the workers by
reference, so it must be importable) returning ``(module, loss, read)``:
``loss(model, X, y)`` is the mean loss of a shard, ``read(module)`` the
parameters as a list of floats. Each rank trains on its shard
(``X[rank::2]``) with ``torch.optim.SGD(lr, momentum=0.9)``; DDP averages
the shards' gradients, so with equal shards the result is the whole batch's.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")

Build = Callable[[dict[str, Any]], tuple[Any, Callable[..., Any], Callable[[Any], list[float]]]]


def _worker(rank: int, world: int, address: str, folder: str, build: Build) -> None:
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    os.environ["GLOO_SOCKET_IFNAME"] = "lo"  # stay on the loopback interface
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=address, rank=rank, world_size=world)
    try:
        spec = json.loads(Path(folder, "spec.json").read_text())
        module, loss, read = build(spec)
        model = DistributedDataParallel(module)
        X = torch.tensor(spec["X"], dtype=torch.float64)[rank::world]  # this rank's shard
        y = torch.tensor(spec["y"], dtype=torch.float64)[rank::world]
        opt = torch.optim.SGD(model.parameters(), lr=spec["lr"], momentum=0.9)
        for _ in range(spec["steps"]):
            opt.zero_grad()
            loss(model, X, y).backward()
            opt.step()
        if rank == 0:
            Path(folder, "params.json").write_text(json.dumps(read(module)))
    finally:
        dist.destroy_process_group()


def _free_address() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"tcp://127.0.0.1:{s.getsockname()[1]}"


def train_on_two_processes(
    build: Build, spec: dict[str, Any], folder: Path, timeout: float = 60.0
) -> list[float]:
    """Rank 0's parameters after ``spec["steps"]`` data-parallel steps; the
    test fails if the two processes take longer than ``timeout`` seconds."""
    import torch.multiprocessing as mp

    (folder / "spec.json").write_text(json.dumps(spec))
    start = time.monotonic()
    workers = mp.spawn(_worker, args=(2, _free_address(), str(folder), build), nprocs=2, join=False)
    while not workers.join(timeout=1):  # raises if a worker failed
        if time.monotonic() - start > timeout:
            for process in workers.processes:
                process.terminate()
            pytest.fail(f"the two processes took more than {timeout:.0f} s")
    params: list[float] = json.loads((folder / "params.json").read_text())
    return params
