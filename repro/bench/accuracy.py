"""Accuracy of the engine's angle-addition recurrence: its phase error against long-double cos/sin, and the
statistic's error against float64 direct evaluation (reference.oracle), by number of knots."""

from __future__ import annotations

import dataclasses

import numpy as np
import torch


def recurrence_accuracy(knots: tuple[int, ...], seed: int, max_power: int = 12) -> dict:
    """Phase error of (e^{ihy})^k against long-double cos/sin, and the statistic's error against float64
    direct evaluation (oracle.grid_ep), as functions of the number of knots."""
    from reference import oracle
    from reference.official_r1 import EppsPulley
    from repro.sigreg import ANCHOR_EVERY, Grid, epps_pulley

    rng = np.random.default_rng(seed)
    y = 2.0 * rng.standard_normal(20_000)  # |y| up to ~8: the phases t·y reach hundreds of radians at k = 4096
    h = 3.0 / 16.0  # the official step
    powers = [2**j for j in range(max_power + 1)]
    phase = {}
    for dtype in (torch.float32, torch.float64):
        yt = torch.from_numpy(y).to(dtype)
        y_rounded = yt.double().numpy().astype(np.longdouble)  # exact value of the rounded input
        z = torch.complex(torch.cos(yt * h), torch.sin(yt * h))
        p = z.clone()
        rows = []
        for kk in range(1, powers[-1] + 1):
            if kk > 1:
                p = p * z
            if kk in powers:
                arg = np.longdouble(kk) * np.longdouble(h) * y_rounded
                re = p.real.double().numpy() - np.cos(arg)
                im = p.imag.double().numpy() - np.sin(arg)
                err = np.sqrt((re * re + im * im).astype(np.float64))
                direct = torch.complex(torch.cos(yt * (kk * h)), torch.sin(yt * (kk * h)))
                dre = direct.real.double().numpy() - np.cos(arg)
                dim = direct.imag.double().numpy() - np.sin(arg)
                derr = np.sqrt((dre * dre + dim * dim).astype(np.float64))
                rows.append(
                    {
                        "k": kk,
                        "max": float(err.max()),
                        "mean": float(err.mean()),
                        "direct_max": float(derr.max()),
                        "direct_mean": float(derr.mean()),
                    }
                )
        slope = np.polyfit(np.log([r["k"] for r in rows[3:]]), np.log([r["mean"] for r in rows[3:]]), 1)[0]
        phase[str(dtype).replace("torch.", "")] = {"rows": rows, "loglog_slope_mean_error_k>=8": float(slope)}

    data = torch.from_numpy(rng.standard_normal((1024, 16)))
    statistic = []
    for t in knots:
        grid = Grid.folded(3.0, t)
        truth = oracle.grid_ep(data.numpy(), *oracle.folded_trapezoid_grid(3.0, t))
        row = {"knots": t}
        unanchored = dataclasses.replace(grid, anchor_every=t)  # one recurrence over all knots
        for name, dtype, g in (
            ("engine_float32", torch.float32, grid),
            ("engine_float32_no_anchor", torch.float32, unanchored),
            ("engine_float64", torch.float64, grid),
        ):
            value = epps_pulley(data.to(dtype), grid=g, sync=False).double().numpy()
            row[name] = float(np.max(np.abs(value / truth - 1)))
        r1 = EppsPulley(t_max=3.0, n_points=t if t % 2 else t + 1)(data.float()).double().numpy()
        truth_r1 = truth if t % 2 else oracle.grid_ep(data.numpy(), *oracle.folded_trapezoid_grid(3.0, t + 1))
        row["R1_float32"] = float(np.max(np.abs(r1 / truth_r1 - 1)))
        statistic.append(row)
    return {
        "phase_error": phase,
        "phase_setup": "y = 2·N(0,1), 20000 values, step h = 3/16 (official); error |z^k − e^{i k h y}| against "
        "long-double cos/sin of the rounded input; 'direct' evaluates cos/sin(k h y) in the same dtype",
        "statistic_relative_error": statistic,
        "anchor_every": ANCHOR_EVERY,
        "statistic_setup": "N = 1024, M = 16 columns of N(0,1); max over columns of |value/truth − 1|, truth = "
        "oracle.grid_ep (float64, direct cos/sin) on the folded [0, 3] grid with that many knots",
    }
