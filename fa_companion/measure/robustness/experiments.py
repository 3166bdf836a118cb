"""The robustness experiments of chapters 11-12 as pure functions of JSON-able configs.

Each ``*_config`` builds the config of one unit of work (one corruption, one attack at one ε, the
gradient-path analysis) over the *shared* trained networks of Paper B's conditions
(:func:`fa_companion.training.experiments.condition_config`, loaded with
:func:`fa_companion.training.experiments.trained_ensemble`), and each ``run_*`` computes it for
:meth:`fa_companion.store.results.Store.get_or_compute` (``config -> {"arrays", "summary"}``).
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from ... import resolve_device
from ...rules.metrics import layer_angle_stats
from ...store.results import config_hash
from ...training.experiments import condition_config, trained_ensemble
from .attacks import ATTACKS, PATHS, attack, gradient_agreement, member_accuracy, random_sign
from .corruptions import CANVAS, CORRUPTIONS, corrupt_in_batches

__all__ = [
    "conditions",
    "model_configs",
    "eval_data",
    "corruption_config",
    "run_corruption",
    "attack_config",
    "run_attack",
    "gradient_config",
    "run_gradients",
    "STRONG_ATTACKS",
    "TRANSFER_SOURCE_ATTACKS",
    "strong_attack_config",
    "run_strong_attack",
    "strong_attack_plan",
    "strongest_arrays",
    "ITERATIVE",
    "checklist_accuracies",
]

_MODELS: dict[tuple[str, str], torch.nn.Module] = {}


def conditions(thetas) -> dict[str, tuple[str, float | None]]:
    """BP plus IFA at every θ_init (θ = 90° is plain FA): ``{label: (rule, θ)}``."""
    return {"BP": ("bp", None)} | {f"IFA {float(t):g}°": ("ifa", float(t)) for t in thetas}


def model_configs(thetas, *, dataset: str, n_networks: int, n_train, n_test, epochs: int) -> dict:
    """``{label: condition_config(...)}``: the networks chapters 09-12 share."""
    return {
        label: condition_config(rule, theta, range(n_networks), dataset=dataset, n_train=n_train,
                                n_test=n_test, epochs=epochs)
        for label, (rule, theta) in conditions(thetas).items()
    }


def _models(config: dict, device) -> dict:
    dev = resolve_device(device)
    out = {}
    for label, cfg in config["models"].items():
        key = (config_hash(cfg), str(dev))
        if key not in _MODELS:
            _MODELS[key] = trained_ensemble(cfg, device=dev)
        out[label] = _MODELS[key]
    return out


def eval_data(dataset: str, n_eval: int | None, n_test: int | None):
    """The evaluation images (float32 (N, C, H, W) numpy, CPU) and labels (int64 numpy): a
    class-stratified subset of ``n_eval`` test images (seed 0), or the networks' test split."""
    x, y = _eval_data(dataset, n_eval, n_test)
    return x.copy(), y.copy()


@functools.lru_cache(maxsize=4)
def _eval_data(dataset: str, n_eval: int | None, n_test: int | None):
    from ...data.datasets import load_dataset

    d = load_dataset(dataset, n_test=n_eval if n_eval is not None else n_test, n_train=1, seed=0)
    return d.x_test.numpy(), d.y_test.numpy()


def _eval_block(models: dict, dataset: str, n_eval, n_test) -> dict:
    any_cfg = next(iter(models.values()))
    return {"dataset": dataset, "n_eval": n_eval, "n_test": n_test,
            "data_seed": any_cfg.get("data_seed", 0)}


def _accuracy(model, x: np.ndarray, y: np.ndarray, device, batch_size: int = 2000) -> np.ndarray:
    correct = 0.0
    for i in range(0, len(x), batch_size):
        xb = torch.from_numpy(x[i : i + batch_size]).to(device)
        yb = torch.from_numpy(y[i : i + batch_size]).to(device)
        correct = correct + member_accuracy(model, xb, yb) * len(yb)
    return (correct / max(len(x), 1)).cpu().numpy()


# ----- chapter 11: corruptions -----------------------------------------------------------------


def corruption_config(corruption: str, models: dict, *, dataset: str, n_eval, n_test,
                      severities=(1, 2, 3, 4, 5), seed: int = 0, batch_size: int = 2000,
                      n_examples: int = 3, cifar10c_dir: str | None = None) -> dict:
    """One corruption (or ``"clean"``) at ``severities`` on the evaluation images, every model.

    With ``cifar10c_dir`` (CIFAR-10 networks only) the corrupted images are read from the published
    CIFAR-10-C files there instead of generated, and the evaluation images are the first ``n_eval``
    CIFAR-10 test images (the files keep the test set's order)."""
    if corruption != "clean" and corruption not in CORRUPTIONS:
        raise ValueError(f"unknown corruption {corruption!r}; valid: 'clean' or {CORRUPTIONS}")
    if cifar10c_dir is not None and dataset != "cifar10":
        raise ValueError(f"cifar10c_dir needs dataset 'cifar10', got {dataset!r}")
    source = {} if cifar10c_dir is None else {"cifar10c_dir": str(cifar10c_dir)}
    return source | {
        "corruption": corruption,
        "severities": [] if corruption == "clean" else [int(s) for s in severities],
        "seed": int(seed),
        "batch_size": int(batch_size),
        "canvas": CANVAS,
        "quantize": True,
        "gray": "luma",
        "n_examples": int(n_examples),
        "eval": _eval_block(models, dataset, n_eval, n_test),
        "models": models,
    }


def run_corruption(config: dict, device="auto") -> dict:
    """Accuracy of every member of every model on the corrupted images: ``acc`` (S, C, K) (clean:
    S = 1); ``examples``: the first ``n_examples`` images as uint8, (S, n_examples, H, W[, C])."""
    dev = resolve_device(device)
    models = _models(config, dev)
    ev = config["eval"]
    name = config["corruption"]
    if "cifar10c_dir" in config:
        x, y, sets = _cifar10c_sets(config)
    else:
        x, y = eval_data(ev["dataset"], ev["n_eval"], ev["n_test"])
        sets = [x] if name == "clean" else [
            corrupt_in_batches(x, name, s, seed=config["seed"], batch_size=config["batch_size"],
                               canvas=config["canvas"], quantize=config["quantize"])
            for s in config["severities"]
        ]
    acc = np.stack([np.stack([_accuracy(m, xs, y, dev) for m in models.values()]) for xs in sets])
    k = config["n_examples"]
    examples = np.stack([np.rint(xs[:k] * 255).astype(np.uint8) for xs in sets])
    examples = examples[:, :, 0] if examples.shape[2] == 1 else examples.transpose(0, 1, 3, 4, 2)
    means = acc.mean(-1)
    return {
        "arrays": {"acc": acc.astype(np.float32), "examples": examples,
                   "example_labels": y[:k].astype(np.int64)},
        "summary": {
            "corruption": name,
            "conditions": list(models),
            "n_images": int(len(x)),
            "mean_acc_percent": {label: [round(100 * float(v), 2) for v in means[:, c]]
                                 for c, label in enumerate(models)},
        },
        "provenance": {"device": str(dev)},
    }


def _cifar10c_sets(config: dict):
    """Clean CIFAR-10 test images and the published CIFAR-10-C sets (first ``n_eval`` rows)."""
    from ...data.datasets import load_dataset
    from .cifar10c import load_cifar10c

    ev = config["eval"]
    d = load_dataset("cifar10", n_train=1, seed=0)
    n = ev["n_eval"] if ev["n_eval"] is not None else len(d.y_test)
    x, y = d.x_test[:n].numpy(), d.y_test[:n].numpy()
    if config["corruption"] == "clean":
        return x, y, [x]
    sets = []
    for s in config["severities"]:
        xc, yc = load_cifar10c(config["cifar10c_dir"], config["corruption"], s)
        if not np.array_equal(yc[:n].numpy(), y):
            raise ValueError(f"{config['cifar10c_dir']}: labels differ from the CIFAR-10 test set")
        sets.append(xc[:n].numpy())
    return x, y, sets


# ----- chapter 12: attacks ---------------------------------------------------------------------


def attack_config(method: str, eps: float, models: dict, *, dataset: str, n_eval, n_test,
                  steps: int = 10, seed: int = 0, batch_size: int = 500,
                  paths=PATHS, transfer_from: str | None = "BP") -> dict:
    """One attack at one ε against every model along every gradient path, plus the transfer of the
    ``transfer_from`` model's (true-gradient) adversarial examples to every model (from the network
    of the previous seed, see :func:`run_attack`)."""
    if method not in ATTACKS:
        raise ValueError(f"unknown attack {method!r}; valid attacks are {ATTACKS}")
    if transfer_from is not None and (transfer_from not in models or "true" not in paths):
        raise ValueError(f"transfer_from {transfer_from!r} must be one of {list(models)} and "
                         f"needs the 'true' path among {list(paths)}")
    return {
        "method": method,
        "eps": float(eps),
        "steps": int(steps),
        "alpha": "2.5*eps/steps",
        "seed": int(seed),
        "batch_size": int(batch_size),
        "paths": list(paths),
        "transfer_from": transfer_from,
        "transfer_pairing": "source member k-1 -> target member k",
        "eval": _eval_block(models, dataset, n_eval, n_test),
        "models": models,
    }


def run_attack(config: dict, device="auto") -> dict:
    """``acc`` (P, C, K): accuracy of member k of model c on its own adversarial examples crafted
    along path p (and for FGSM ``noise`` (C, K): on random ±ε signs, the no-information control);
    ``transfer`` (C, K): member k of model c on the examples crafted (true path) on
    member k−1 (mod K) of the source model, another seed, so that the source's own row is a fair
    baseline (a transfer between two BP networks) and no pair shares an initialization. For BP
    members both paths are one gradient (tested), so BP is attacked once for both."""
    dev = resolve_device(device)
    models = _models(config, dev)
    ev = config["eval"]
    x_np, y_np = eval_data(ev["dataset"], ev["n_eval"], ev["n_test"])
    x, y = torch.from_numpy(x_np).to(dev), torch.from_numpy(y_np).to(dev)
    paths, eps, bs = config["paths"], config["eps"], config["batch_size"]
    source = config["transfer_from"]
    labels = list(models)
    k = next(iter(models.values())).n_members
    correct = torch.zeros(len(paths), len(labels), k, device=dev)
    transfer = torch.zeros(len(labels), k, device=dev)
    noise = torch.zeros(len(labels), k, device=dev)
    all_bp = {label: all(mm.rule == "bp" for mm in m.members) for label, m in models.items()}
    for b, start in enumerate(range(0, len(x), bs)):
        xb, yb = x[start : start + bs], y[start : start + bs]
        for c, label in enumerate(labels):
            if config["method"] == "fgsm":  # the control: random signs of the same size
                noisy = random_sign(models[label], xb, eps, seed=config["seed"] + b)
                noise[c] += member_accuracy(models[label], noisy, yb, per_member=True) * len(yb)
            done = None
            for p, path in enumerate(paths):
                if all_bp[label] and done is not None:  # BP: the feedback path is the true one
                    correct[p, c] += done
                    continue
                adv = attack(models[label], xb, yb, config["method"], eps, path=path,
                             steps=config["steps"], seed=config["seed"] + b)
                done = member_accuracy(models[label], adv, yb, per_member=True) * len(yb)
                correct[p, c] += done
                if label == source and path == "true":
                    shifted = adv.roll(1, dims=0)  # member k gets source member k−1's examples
                    for t, target in enumerate(labels):
                        transfer[t] += member_accuracy(models[target], shifted, yb,
                                                       per_member=True) * len(yb)
    n = max(len(x), 1)
    acc = (correct / n).cpu().numpy()
    trans = (transfer / n).cpu().numpy()
    arrays = {"acc": acc.astype(np.float32), "transfer": trans.astype(np.float32)}
    if config["method"] == "fgsm":
        arrays["noise"] = (noise / n).cpu().numpy().astype(np.float32)
    return {
        "arrays": arrays,
        "summary": {
            "method": config["method"], "eps": eps, "conditions": labels, "paths": paths,
            "n_images": int(n),
            "mean_acc_percent": {path: {label: round(100 * float(acc[p, c].mean()), 2)
                                        for c, label in enumerate(labels)}
                                 for p, path in enumerate(paths)},
            "transfer_mean_acc_percent": {label: round(100 * float(trans[c].mean()), 2)
                                          for c, label in enumerate(labels)},
        },
        "provenance": {"device": str(dev)},
    }


def gradient_config(models: dict, *, dataset: str, n_eval, n_test, batch_size: int = 1000) -> dict:
    """The gradient-path analysis: agreement of the feedback and true input gradients, and the
    forward/feedback alignment of every layer of the trained networks."""
    return {"analysis": "gradient_paths", "batch_size": int(batch_size),
            "eval": _eval_block(models, dataset, n_eval, n_test), "models": models}


def run_gradients(config: dict, device="auto") -> dict:
    """``cosine``, ``sign`` (C, K) from :func:`~.attacks.gradient_agreement` on the clean evaluation
    images; ``angle_mean``, ``angle_frob`` (C, L, K): per-neuron mean and Frobenius angles between
    each layer's W and its B after training (layer 0's B₀ is the feedback path's first step)."""
    dev = resolve_device(device)
    models = _models(config, dev)
    ev = config["eval"]
    x_np, y_np = eval_data(ev["dataset"], ev["n_eval"], ev["n_test"])
    x, y = torch.from_numpy(x_np).to(dev), torch.from_numpy(y_np).to(dev)
    cos, sign, ang, frob = [], [], [], []
    for m in models.values():
        g = gradient_agreement(m, x, y, batch_size=config["batch_size"])
        cos.append(g["cosine"].cpu().numpy())
        sign.append(g["sign"].cpu().numpy())
        stats = layer_angle_stats(m)
        ang.append(stats["angle_mean"].cpu().numpy())
        frob.append(stats["angle_frob"].cpu().numpy())
    arrays = {"cosine": np.stack(cos), "sign": np.stack(sign), "angle_mean": np.stack(ang),
              "angle_frob": np.stack(frob)}
    return {
        "arrays": {k: v.astype(np.float32) for k, v in arrays.items()},
        "summary": {"conditions": list(models), "n_images": int(len(x)),
                    "mean_cosine": {label: round(float(c.mean()), 4)
                                    for label, c in zip(models, arrays["cosine"])}},
        "provenance": {"device": str(dev)},
    }


# ----- chapter 12: attacks that settle gradient masking (torchattacks) ---------------------------

STRONG_ATTACKS = ("noise", "fgsm", "bim", "pgd", "pgd_restarts", "apgd_ce", "apgd_dlr", "square",
                  "transfer")
"""The units of :func:`run_strong_attack`: the random-sign control, the library attacks
(:data:`~.library.LIBRARY_ATTACKS`) and the transfer of a BP source's FGSM, BIM and PGD examples."""
TRANSFER_SOURCE_ATTACKS = ("fgsm", "bim", "pgd")
"""The attacks crafted on the BP source of the transfer unit (true gradient)."""


def strong_attack_config(method: str, eps: float, models: dict, *, dataset: str, n_eval, n_test,
                         steps: int = 10, restarts: int = 5, apgd_steps: int = 100,
                         n_queries: int = 1000, seed: int = 0, paths=PATHS,
                         source: dict | None = None) -> dict:
    """One attack of :data:`STRONG_ATTACKS` at one ε against ``models`` (one condition each unit,
    so that units resume and run as soon as a condition's networks exist), from torchattacks
    (:mod:`.library`). Only the settings the attack uses enter the config: gradient attacks run
    along every path in ``paths``, ``noise`` and ``square`` once (no gradient), ``transfer`` needs
    ``source`` (the BP condition's config: member k−1's true-gradient examples go to member k)."""
    if method not in STRONG_ATTACKS:
        raise ValueError(f"unknown attack {method!r}; valid attacks are {STRONG_ATTACKS}")
    if method == "transfer" and source is None:
        raise ValueError("the transfer attack needs source= (the BP condition's model config)")
    settings: dict = {} if method == "noise" else {"library": "torchattacks 3.5.1"}
    if method in ("bim", "pgd", "pgd_restarts", "transfer"):
        settings |= {"steps": int(steps), "alpha": "2.5*eps/steps"}
    if method == "pgd_restarts":
        settings["restarts"] = int(restarts)
    if method in ("apgd_ce", "apgd_dlr"):
        settings |= {"apgd_steps": int(apgd_steps), "apgd_restarts": 1}
    if method == "square":
        settings |= {"n_queries": int(n_queries), "p_init": 0.8, "loss": "margin"}
    if method == "transfer":
        settings |= {"source_attacks": list(TRANSFER_SOURCE_ATTACKS), "source": source,
                     "pairing": "source member k-1 -> target member k"}
        paths = list(TRANSFER_SOURCE_ATTACKS)
    elif method in ("noise", "square"):
        paths = ["none"]
    return {"kind": "strong_attack", "method": method, "eps": float(eps), "seed": int(seed),
            **settings, "paths": list(paths),
            "eval": _eval_block(models, dataset, n_eval, n_test), "models": models}


def _library_settings(config: dict) -> dict:
    keys = {"steps": "steps", "restarts": "restarts", "apgd_steps": "apgd_steps",
            "n_queries": "n_queries"}
    return {arg: config[k] for k, arg in keys.items() if k in config}


def _correct(model, adv, y) -> np.ndarray:
    """(K, N) uint8: member k's prediction on its own images ``adv[k]`` is right."""
    with torch.no_grad():
        return (model(adv, backward="bp").argmax(-1) == y).to(torch.uint8).cpu().numpy()


def run_strong_attack(config: dict, device="auto") -> dict:
    """``correct`` (P, C, K, N) uint8: whether member k of model c classifies image n correctly
    under the attack along path p (``paths`` of the config: gradient paths; ``none`` for the noise
    control and Square; for ``transfer`` the source attack whose examples were transferred);
    ``acc`` (P, C, K) its mean over images; for FGSM, BIM and PGD also ``own_acc`` (P, C, K), the
    same attack by our batched code (:mod:`.attacks`) on the same images. BP members are attacked once for both paths (one
    gradient). Library attacks run through :func:`~.library.attack_members`, one member at a time."""
    from .library import attack_members

    dev = resolve_device(device)
    models = _models(config, dev)
    ev = config["eval"]
    x_np, y_np = eval_data(ev["dataset"], ev["n_eval"], ev["n_test"])
    x, y = torch.from_numpy(x_np).to(dev), torch.from_numpy(y_np).to(dev)
    method, eps, seed, paths = config["method"], config["eps"], config["seed"], config["paths"]
    settings = _library_settings(config)
    labels = list(models)
    correct, own = [], {}
    if method == "transfer":
        src = _models({"models": {"source": config["source"]}}, dev)["source"]
        advs = [attack_members(src, x, y, m, eps, path="true", seed=seed, **settings).roll(1, dims=0)
                for m in paths]
    for label in labels:
        model = models[label]
        rows, done = [], None
        for p, path in enumerate(paths):
            if method == "noise":
                adv = random_sign(model, x, eps, seed=seed)
            elif method == "transfer":
                adv = advs[p]
            elif done is not None and all(m.rule == "bp" for m in model.members):
                rows.append(done)  # BP: both paths are one gradient
                continue
            else:
                adv = attack_members(model, x, y, method, eps, path=path, seed=seed, **settings)
            done = _correct(model, adv, y)
            rows.append(done)
            if method in ATTACKS:  # our batched attack on the same images, for comparison
                own[(label, path)] = _correct(model, attack(model, x, y, method, eps, path=path,
                                                            steps=config.get("steps", 10), seed=seed), y)
        correct.append(np.stack(rows))
    correct = np.stack(correct, axis=1)  # (P, C, K, N)
    acc = correct.mean(-1, dtype=np.float64)
    arrays = {"correct": correct.astype(np.uint8), "acc": acc.astype(np.float32)}
    if method in ATTACKS:
        arrays["own_acc"] = np.stack([np.stack([own.get((label, path), own[(label, paths[0])])
                                                for label in labels]) for path in paths]
                                     ).mean(-1, dtype=np.float64).astype(np.float32)
    return {
        "arrays": arrays,
        "summary": {"method": method, "eps": eps, "conditions": labels, "paths": list(paths),
                    "n_images": int(len(x)),
                    "mean_acc_percent": {path: {label: round(100 * float(acc[p, c].mean()), 2)
                                                for c, label in enumerate(labels)}
                                         for p, path in enumerate(paths)}},
        "provenance": {"device": str(dev), "torch_threads": torch.get_num_threads()},
    }


def strong_attack_plan(methods, epsilons, models: dict, *, source: str = "BP", **settings) -> list:
    """``[(method, ε, label, config)]``: one unit per attack, ε and condition (a condition's units
    run as soon as its networks exist). At ε = 0 only the noise control runs (every attack is the
    clean image there). ``settings`` go to :func:`strong_attack_config`."""
    plan = []
    for method in methods:
        for eps in epsilons:
            if eps == 0 and method != "noise":
                continue
            for label, cfg in models.items():
                extra = {"source": models[source]} if method == "transfer" else {}
                plan.append((method, float(eps), label,
                             strong_attack_config(method, eps, {label: cfg}, **settings, **extra)))
    return plan


def strongest_arrays(plan: list, results: list, epsilons, labels) -> dict:
    """The plan's stored results as arrays over ``(ε, condition, network)``: ``acc[key]`` and
    ``correct[key]`` (…, N) for every ``key`` = ``method`` (noise, square), ``method/path``
    (gradient attacks) or ``transfer/source attack``; at ε = 0 every key holds the clean images'
    result. ``strongest``: each network's minimum accuracy over every key but the noise control;
    ``worst_case``: the fraction of images that survive every one of those attacks."""
    eps_index = {float(e): i for i, e in enumerate(epsilons)}
    if 0.0 not in eps_index:
        raise ValueError(f"epsilons {list(epsilons)} must hold 0 (the clean images)")
    i0 = eps_index[0.0]
    cond_index = {label: c for c, label in enumerate(labels)}
    per_key: dict[str, dict] = {}
    clean = {}
    for (method, eps, label, config), r in zip(plan, results):
        corr = r.arrays["correct"][:, 0]  # (P, K, N): one condition per unit
        for p, path in enumerate(config["paths"]):
            key = method if path == "none" else f"{method}/{path}"
            per_key.setdefault(key, {})[eps_index[eps], cond_index[label]] = corr[p]
            if eps == 0:
                clean[cond_index[label]] = corr[p]
    if len(clean) != len(labels):
        raise ValueError("the plan needs the noise control at ε = 0 for every condition (clean)")
    k, n = next(iter(clean.values())).shape
    correct = {}
    for key, cells in per_key.items():
        arr = np.zeros((len(epsilons), len(labels), k, n), dtype=np.uint8)
        for c in range(len(labels)):
            arr[i0, c] = clean[c]
        for (e, c), v in cells.items():
            arr[e, c] = v
        correct[key] = arr
    acc = {key: v.mean(-1, dtype=np.float64) for key, v in correct.items()}
    attacks = [key for key in correct if key != "noise"]
    strongest = np.min(np.stack([acc[key] for key in attacks]), axis=0)
    survive = np.logical_and.reduce([correct[key].astype(bool) for key in attacks])
    return {"acc": acc, "correct": correct, "strongest": strongest,
            "worst_case": survive.mean(-1, dtype=np.float64), "attacks": attacks}


ITERATIVE = ("bim", "pgd", "pgd_restarts", "apgd_ce", "apgd_dlr")
"""The iterative gradient attacks of the masking checklist."""


def checklist_accuracies(acc: dict, c: int, path: str, ie: int, ie_max: int) -> dict:
    """The accuracies :func:`~.masking.masking_checklist` needs, for condition ``c`` attacked along
    gradient ``path`` (``acc`` from :func:`strongest_arrays`): the mean over networks of each
    network's lowest accuracy in each group of attacks, at ε index ``ie`` (``ie_max``: the largest
    ε, for the unbounded row)."""
    def lowest(keys, e):
        return float(np.min(np.stack([acc[key][e, c] for key in keys]), axis=0).mean())

    iterative = [f"{m}/{path}" for m in ITERATIVE if f"{m}/{path}" in acc]
    transfer = [key for key in acc if key.startswith("transfer/")]
    return {
        "fgsm": lowest([f"fgsm/{path}"], ie),
        "iterative": lowest(iterative, ie),
        "transfer": lowest(transfer, ie),
        "noise": lowest(["noise"], ie),
        "gradient_free": lowest(["square"], ie),
        "unbounded": lowest([f"fgsm/{path}", *iterative], ie_max),
    }
