"""PyTorch peer of `npm run bench`, driven over stdin/stdout (one JSON object per line) so that the bench can
interleave it with the JS frameworks. Adapted from ../shared/bench-peers/bench_torch.py.

    python3 torch_peer.py THREADS [BLAS_THREADS]          serve commands
    python3 torch_peer.py THREADS [BLAS_THREADS] --cold   print the import-to-first-result time and exit
    python3 torch_peer.py THREADS [BLAS_THREADS] --numpy  serve the W3 matmuls with NumPy (its BLAS, pinned alike)

Commands: {"cmd": "data", "dir": D, "sizes": S} loads the arrays the JS side wrote to D (raw float32/int32);
{"cmd": "setup", "id": W}, {"cmd": "check"}, {"cmd": "time", ...timing options}, {"cmd": "dispose"};
{"cmd": "mem", "steps": N, "max_s": S} runs W2 SGD steps and reports the peak RSS; {"cmd": "quit"}.
"""
import json
import os
import resource
import sys
import time

T_START = time.perf_counter()
THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 1
BLAS = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2].isdigit() else str(THREADS)
# Debian's torch calls the system BLAS (OpenBLAS, pthreads build) for GEMM; that pool ignores
# torch.set_num_threads(), so pin it too, before the library loads.
os.environ["OPENBLAS_NUM_THREADS"] = BLAS
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.ones(1).add(1)
INIT_MS = (time.perf_counter() - T_START) * 1e3
DEFAULT_THREADS = torch.get_num_threads()
torch.set_num_threads(THREADS)
grad = torch.autograd.grad


def reply(d):
    sys.stdout.write(json.dumps(d) + "\n")
    sys.stdout.flush()


def blas_info():
    try:
        import threadpoolctl  # noqa
        return [{k: i.get(k) for k in ("internal_api", "version", "architecture", "num_threads")} for i in threadpoolctl.threadpool_info()]
    except Exception:  # noqa
        return None


if "--cold" in sys.argv:
    reply({"init_ms": round(INIT_MS, 1)})
    sys.exit(0)


class Data:
    def __init__(self, d, sizes):
        self.dir, self.sizes = d, sizes

    def f32(self, key, *shape):
        with open(os.path.join(self.dir, key + ".bin"), "rb") as fh:
            t = torch.frombuffer(bytearray(fh.read()), dtype=torch.float32)
        return t.reshape(*shape) if shape else t

    def i64(self, key):
        with open(os.path.join(self.dir, key + ".bin"), "rb") as fh:
            return torch.frombuffer(bytearray(fh.read()), dtype=torch.int32).long()


def mlp_setup(D):
    s = D.sizes["w2"]
    B, I, H, C = s["batch"], s["inF"], s["hidden"], s["classes"]
    X = D.f32("w2.X", B, I)
    Y = D.i64("w2.labels")
    shapes = [(I, H), (H,), (H, H), (H,), (H, C), (C,)]
    params = [D.f32(f"w2.params.{i}", *sh).requires_grad_() for i, sh in enumerate(shapes)]

    def loss(p):
        W1, b1, W2, b2, W3, b3 = p
        h = torch.relu(X @ W1 + b1)
        h = torch.relu(h @ W2 + b2)
        return F.cross_entropy(h @ W3 + b3, Y)
    return params, loss


def sgd_stepper(D):
    params, loss = mlp_setup(D)
    opt = torch.optim.SGD(params, lr=0.01)

    def step():
        opt.zero_grad(set_to_none=True)
        v = loss(params)
        v.backward()
        opt.step()
        return v.item()
    return step


NUMPY = "--numpy" in sys.argv


def numpy_setup(wid, D):
    """NumPy serves only the square matmuls (W3), on the same float32 data."""
    import numpy as np
    if not wid.startswith("W3 matmul "):
        raise ValueError("not a NumPy workload: " + wid)
    n = int(wid.split()[-1])
    a = D.f32(f"w3.{n}.a", n, n).numpy()
    b = D.f32(f"w3.{n}.b", n, n).numpy()
    return (lambda: np.matmul(a, b)), (lambda: float(np.square(np.matmul(a, b).astype(np.float64)).mean()))


def setup(wid, D):
    """(run, check) for one workload id."""
    if NUMPY:
        return numpy_setup(wid, D)
    sz = D.sizes
    if wid == "W1 dense value+grad":
        B, I = sz["w1"]["batch"], sz["w1"]["inF"]
        x = D.f32("w1.x", B, I).requires_grad_()
        w = D.f32("w1.w", 1, I).requires_grad_()
        b = D.f32("w1.b", 1).requires_grad_()
        y = D.f32("w1.y", B, 1)

        def run():
            loss = F.mse_loss(F.linear(x, w, b), y)
            grad(loss, (x, w, b))
            return loss.item()
        return run, run
    if wid == "W2 mlp value+grad":
        params, loss = mlp_setup(D)

        def run():
            v = loss(params)
            grad(v, params)
            return v.item()
        return run, run
    if wid == "W2 mlp sgd-step":
        step = sgd_stepper(D)
        return step, step
    if wid.startswith("W3 matmul "):
        n = int(wid.split()[-1])
        a, b = D.f32(f"w3.{n}.a", n, n), D.f32(f"w3.{n}.b", n, n)
        return (lambda: torch.mm(a, b)), (lambda: torch.mm(a, b).double().square().mean().item())
    if wid == "W4 elementwise":
        n = sz["w4"]["n"]
        x, y, z = D.f32("w4.x", n), D.f32("w4.y", n).requires_grad_(), D.f32("w4.z", n).requires_grad_()

        def vg():
            v = torch.sum(x * torch.exp(y) * z ** 2)
            return v, grad(v, (y, z))

        def check():
            _, (dy, dz) = vg()
            return dy.double().square().mean().item() + dz.double().square().mean().item()
        return (lambda: vg()[0].item()), check
    if wid == "W5 cnn value+grad":
        s = sz["w5"]
        B, c1, c2, C = s["batch"], s["c1"], s["c2"], s["classes"]
        X = D.f32("w5.X", B, 1, 28, 28)
        Y = D.i64("w5.labels")
        shapes = [(c1, 1, 3, 3), (c1,), (c2, c1, 3, 3), (c2,), (49 * c2, C), (C,)]
        p = [D.f32(f"w5.params.{i}", *sh).requires_grad_() for i, sh in enumerate(shapes)]

        def run():
            k1, b1, k2, b2, Wd, bd = p
            h = F.max_pool2d(torch.relu(F.conv2d(X, k1, b1, padding=1)), 2)
            h = F.max_pool2d(torch.relu(F.conv2d(h, k2, b2, padding=1)), 2)
            loss = F.cross_entropy(h.reshape(B, 49 * c2) @ Wd + bd, Y)
            grad(loss, p)
            return loss.item()
        return run, run
    if wid == "W6 grad-of-grad":
        x = D.f32("w6.x", sz["w6"]["n"]).requires_grad_()

        def g2():
            g1, = grad(torch.tanh(x).sum(), x, create_graph=True)
            return grad(g1.sum(), x)[0]
        return g2, (lambda: g2().double().square().mean().item())
    raise ValueError("unknown workload " + wid)


def peak_rss_mb():
    """Peak resident memory of this process: VmHWM on Linux (getrusage's maxrss survives exec, so a
    child of a large parent would report the parent's size), else getrusage."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def time_it(fn, time_s=0.5, min_reps=3, max_reps=1000, warm=0, min_sample_ms=1.0):
    t0 = time.perf_counter(); fn(); first = one = (time.perf_counter() - t0) * 1e3
    for _ in range(warm):
        t0 = time.perf_counter(); fn(); one = (time.perf_counter() - t0) * 1e3
    batch = 1 if one >= min_sample_ms else min(1000, int(min_sample_ms / max(one, 1e-3)) + 1)
    samples = []
    t_end = time.perf_counter() + time_s
    while len(samples) < max_reps and (len(samples) < min_reps or time.perf_counter() < t_end):
        t0 = time.perf_counter()
        for _ in range(batch):
            fn()
        samples.append((time.perf_counter() - t0) * 1e3 / batch)
    samples.sort()
    m = len(samples) // 2
    med = samples[m] if len(samples) % 2 else 0.5 * (samples[m - 1] + samples[m])
    return {"ms": med, "reps": len(samples) * batch, "first_ms": first}


def numpy_version():
    try:
        import numpy
        return numpy.__version__
    except Exception:  # noqa: BLE001
        return None


def main():
    reply({"ready": True, "info": {"version": numpy_version() if NUMPY else torch.__version__, "threads": torch.get_num_threads(), "default_threads": DEFAULT_THREADS,
                                   "openblas_threads": int(BLAS), "blas": blas_info(), "init_ms": round(INIT_MS, 1)}})
    D, cur = None, None
    for line in sys.stdin:
        if not line.strip():
            continue
        msg = json.loads(line)
        cmd = msg.get("cmd")
        try:
            if cmd == "data":
                D = Data(msg["dir"], msg["sizes"])
                reply({"ok": True})
            elif cmd == "setup":
                cur = setup(msg["id"], D)
                reply({"ok": True})
            elif cmd == "check":
                reply({"value": float(cur[1]())})
            elif cmd == "time":
                opts = {k: msg[k] for k in ("time_s", "min_reps", "max_reps", "warm", "min_sample_ms") if k in msg}
                reply(time_it(cur[0], **opts))
            elif cmd == "dispose":
                cur = None
                reply({"ok": True})
            elif cmd == "mem":
                step = sgd_stepper(D)
                t_end = time.perf_counter() + msg.get("max_s", 60)
                n = 0
                while n < msg["steps"] and time.perf_counter() < t_end:
                    step()
                    n += 1
                reply({"steps": n, "maxrss_mb": peak_rss_mb()})
            elif cmd == "quit":
                reply({"ok": True})
                return
            else:
                reply({"error": "unknown command " + str(cmd)})
        except Exception as e:  # noqa: BLE001 -- reported to the bench, which records the failure
            reply({"error": (type(e).__name__ + ": " + str(e)).split("\n")[0][:300]})


main()
