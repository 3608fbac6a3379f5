"""bench/baseline/bl_fit.py - the Python baseline of `xetl fit` (one account).

What a competent team would write with pandas + SciPy: the snapshots read
with one COPY ... TO STDOUT into pandas, each post's counters fitted with
scipy.optimize.least_squares (analytic Jacobian, Levenberg-Marquardt) to the
SAME model as stats/decay.c and stats/curvefit.c (docs/models.md sections 2-3):

  N(t) = A (1 - (1 + t/c)^-theta), parameters x = (ln A, ln c, ln theta),
  ln c and ln theta clamped to [-9, 9] and [-9, 4] inside the model;
  residuals (log1p N(t_i) - log1p y_i) / s_i, s_i^2 = sigma^2 + 0.3/(1 + y_i);
  two prior rows L^-1 (x - mu) (bivariate normal on ln c, ln theta);
  the Szabo-Huberman row (log1p N(H) - log1p y_SH) / (1.5 sd_SH) when the
  account has matured posts; the same cleaning (positive ages, duplicate
  ages averaged, isotonic counter, thinning to 256), the same start (prior
  shape, amplitude centring the log residuals) and the same fallback;
  the account prior from the 90-day history: every history post with >= 3
  ages, the last >= 24 h old and positive, fitted with the built-in prior;
  medians, MAD x 1.4826 (floor 0.15), clipped correlation, 5 pseudo-posts,
  sigma from the RMS of fits with >= 4 points; the SH rule kernel-smoothed
  at 0.25 h .. 128 h from the matured posts' pairs.
  Then the posts in range with that prior; five metrics (likes, retweets,
  replies, impressions, engagements = likes + retweets + replies).

Written back: one row per post and metric (method, n_points, A, c, theta,
N(H) and the checkpoints at 1 h/4 h/24 h/48 h/7 d) by COPY into
bench_baseline.fit_out, one transaction.

NOT reproduced (xetl does more): the stacked forecaster of docs/models.md
section 6 (xetl's 7-day value for posts observed 1-72 h old; trees, analogs,
conformal intervals - xetl trains it on ~400 posts x 5 fits per metric);
the posterior covariance, the 90 % intervals and standard errors; the
pooled half-life source; the scoring of earlier predictions; time to peak;
xetl.predictions and tweet_analytics_comprehensive's derived columns; the
kept history fits (xetl.fit_history: the baseline refits the history every
run, as the issue's baseline did).  The comparison is therefore on the
curves (checkpoints, N(H)), which xetl stores in
analytics_metadata.decay.<metric>.checkpoints.
"""
import io
import math

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

H = 168.0
METRICS = ("likes", "retweets", "replies", "impressions", "engagements")
CHECK_AGES = (1.0, 4.0, 24.0, 48.0, 168.0)
LO = (-9.0, -9.0)
HI = (9.0, 4.0)
MED0 = (0.33, 0.12)
SH_INFLATE = 1.5
POISSON_K = 0.3
MAX_POINTS = 256
NODES = np.array([0.25 * 2.0 ** k for k in range(10)])
HISTORY_DAYS = 90


def default_prior():
    return {"mu": (math.log(MED0[0]), math.log(MED0[1])), "sd": (3.0, 3.0), "rho": 0.0, "sigma": 0.1,
            "sh_alpha": np.full(10, np.nan), "sh_sd": np.full(10, np.nan), "sh_n": 0}


def clean(t, y):
    """decay_clean: finite, age > 0, count >= 0; sorted; duplicates within 0.005 h averaged; isotonic; thinned."""
    ok = np.isfinite(t) & np.isfinite(y) & (t > 0) & (y >= 0)
    t, y = t[ok], y[ok]
    if t.size == 0:
        return t, y
    o = np.lexsort((y, t))
    t, y = t[o], y[o]
    ts, ys, ws = [], [], []
    for a, b in zip(t.tolist(), y.tolist()):
        if ts and a - ts[-1] < 0.005:
            w = ws[-1]
            ys[-1] = (ys[-1] * w + b) / (w + 1)
            ws[-1] = w + 1
        else:
            ts.append(a)
            ys.append(b)
            ws.append(1.0)
    # pool-adjacent-violators
    val, bw, sz = [], [], []
    for b, w in zip(ys, ws):
        val.append(b)
        bw.append(w)
        sz.append(1)
        while len(val) > 1 and val[-2] > val[-1]:
            w2 = bw[-2] + bw[-1]
            val[-2] = (val[-2] * bw[-2] + val[-1] * bw[-1]) / w2
            bw[-2] = w2
            sz[-2] += sz[-1]
            val.pop(), bw.pop(), sz.pop()
    out = []
    for v, s in zip(val, sz):
        out.extend([v] * s)
    t, y = np.array(ts), np.array(out)
    m = t.size
    if m > MAX_POINTS:
        src = (np.arange(MAX_POINTS, dtype=np.int64) * (m - 1)) // (MAX_POINTS - 1)
        t, y = t[src], y[src]
    return t, y


def lomax_q(c, th, t):
    t = np.asarray(t, dtype=float)
    return np.where(t > 0, -np.expm1(-th * np.log1p(np.maximum(t, 0) / c)), 0.0)


def sh_predict(pr, age, count):
    """decay_loglinear_predict: (N(H) forecast, sd of its log)."""
    if not (count > 0) or not (age > 0):
        return math.nan, math.nan
    alpha = sd = math.nan
    if pr["sh_n"] > 0:
        x = math.log2(age / 0.25)
        k = math.floor(x)
        if k < 0:
            k, x = 0, 0.0
        if k >= 9:
            k, x = 8, 9.0
        f = x - k
        a0, a1 = pr["sh_alpha"][k], pr["sh_alpha"][k + 1]
        if math.isfinite(a0) and math.isfinite(a1):
            alpha = a0 + f * (a1 - a0)
            sd = pr["sh_sd"][k] + f * (pr["sh_sd"][k + 1] - pr["sh_sd"][k])
        elif math.isfinite(a0) and f < 0.5:
            alpha, sd = a0, pr["sh_sd"][k]
        elif math.isfinite(a1) and f >= 0.5:
            alpha, sd = a1, pr["sh_sd"][k + 1]
    if not math.isfinite(alpha):
        c, th = math.exp(pr["mu"][0]), math.exp(pr["mu"][1])
        alpha = math.log(float(lomax_q(c, th, H)) / float(lomax_q(c, th, age)))
        sd = 0.5
    if alpha < 0 and age < H:
        alpha = 0.0
    r = count * math.exp(alpha)
    return (r if math.isfinite(r) else math.nan), sd


def fit_one(t, y, pr):
    """decay_fit on cleaned points: a dict (method, n, A, c, theta, nh, rms, checkpoints)."""
    m = t.size
    res = {"method": "none", "n": m, "A": math.nan, "c": math.nan, "theta": math.nan, "nh": math.nan,
           "rms": math.nan, "check": [math.nan] * 5}
    if m == 0 or not (y[-1] > 0):
        return res
    sig = pr["sigma"] if pr["sigma"] > 0 else 0.1
    w = 1.0 / np.sqrt(sig * sig + POISSON_K / (1.0 + y))
    ly = np.log1p(y)
    mu0, mu1 = pr["mu"]
    s0, s1 = pr["sd"]
    rho = max(-0.95, min(0.95, pr["rho"]))
    r1 = math.sqrt(1 - rho * rho)
    isd0, isd1, k01 = 1 / s0, 1 / (s1 * r1), -rho / (s0 * r1)
    use_sh = False
    if pr["sh_n"] > 0 and t[-1] < H:
        nh_sh, sd_sh = sh_predict(pr, t[-1], y[-1])
        if math.isfinite(nh_sh) and math.isfinite(sd_sh) and sd_sh > 0:
            use_sh, sh_ly, sh_w = True, math.log1p(nh_sh), 1.0 / (sd_sh * SH_INFLATE)
    nres = m + 2 + use_sh
    tt = np.append(t, H) if use_sh else t
    lyy = np.append(ly, sh_ly) if use_sh else ly
    ww = np.append(w, sh_w) if use_sh else w

    def nat(x):
        return math.exp(min(max(x[1], LO[0]), HI[0])), math.exp(min(max(x[2], LO[1]), HI[1]))

    def fun(x):
        f = np.empty(nres)
        A = math.exp(min(x[0], 700.0))
        c, th = nat(x)
        N = A * -np.expm1(-th * np.log1p(tt / c))
        r = (np.log1p(N) - lyy) * ww
        f[:m] = r[:m]
        u0 = x[1] - mu0
        f[m] = u0 * isd0
        f[m + 1] = (x[2] - mu1) * isd1 + u0 * k01
        if use_sh:
            f[m + 2] = r[m]
        return f

    def jac(x):
        J = np.zeros((nres, 3))
        A = math.exp(min(x[0], 700.0))
        c, th = nat(x)
        L = np.log1p(tt / c)
        P = np.exp(-th * L)
        N = A * -np.expm1(-th * L)
        s = ww / (1.0 + N)
        d0, d1, d2 = N * s, -A * P * th * tt / (c + tt) * s, th * A * L * P * s
        J[:m, 0], J[:m, 1], J[:m, 2] = d0[:m], d1[:m], d2[:m]
        J[m, 1] = isd0
        J[m + 1, 1] = k01
        J[m + 1, 2] = isd1
        if use_sh:
            J[m + 2] = d0[m], d1[m], d2[m]
        return J

    # Start: the prior's shape, the amplitude that centres the (weighted) log residuals.
    q0 = lomax_q(math.exp(mu0), math.exp(mu1), t)
    ok = (y > 0) & (q0 > 0)
    ws2 = w[ok] ** 2
    last = math.log(y[-1])
    a0 = float(np.sum(ws2 * (np.log(y[ok]) - np.log(q0[ok]))) / np.sum(ws2)) if ok.any() else last
    if not math.isfinite(a0) or a0 > 600:
        a0 = last
    x0 = np.array([a0, mu0, mu1])
    if np.linalg.norm(fun(x0)) <= 1e-12:
        x, good = x0, True
    else:
        try:
            sol = least_squares(fun, x0, jac=jac, method="lm", xtol=1e-12, ftol=1e-12, gtol=1e-12, max_nfev=400)
            x, good = sol.x, sol.status > 0
        except (ValueError, FloatingPointError, OverflowError):
            x, good = x0, False
    inbox = (np.all(np.isfinite(x)) and x[0] < 600 and LO[0] < x[1] < HI[0] and LO[1] < x[2] < HI[1])
    if good and inbox:
        A, c, th = math.exp(x[0]), math.exp(x[1]), math.exp(x[2])
        qH = float(lomax_q(c, th, H))
        nh = A * qH
        if math.isfinite(nh) and nh >= 0 and qH > 0:
            raw = (np.log1p(A * lomax_q(c, th, t)) - ly)
            res.update(method="lomax" if m >= 3 else "pooled", A=A, c=c, theta=th, nh=nh,
                       rms=math.sqrt(float(np.mean(raw * raw))),
                       check=[A * float(lomax_q(c, th, a)) for a in CHECK_AGES])
            return res
    # The fallback: the Szabo-Huberman forecast from the last positive point.
    pos = np.nonzero(y > 0)[0]
    if pos.size:
        ta, ya = t[pos[-1]], y[pos[-1]]
        nh = ya if ta >= H else sh_predict(pr, ta, ya)[0]
        if math.isfinite(nh):
            c, th = math.exp(mu0), math.exp(mu1)
            qH = float(lomax_q(c, th, H))
            res.update(method="loglinear", nh=nh, A=nh / qH, c=c, theta=th, check=[math.nan] * 4 + [nh])
    return res


def observed_at(t, y, age):
    """fit_observed_at on cleaned points: the sample within 0.5 h, else interpolated (after <= age + 24 h)."""
    before = after = -1
    for i in range(t.size):
        if abs(t[i] - age) <= 0.5:
            return y[i]
        if t[i] < age:
            before = i
        elif after < 0:
            after = i
    if after < 0 or t[after] > age + 24.0 or before < 0:
        return math.nan
    return y[before] + (y[after] - y[before]) * (age - t[before]) / (t[after] - t[before])


def robust(v):
    v = np.sort(np.asarray(v, dtype=float))
    med = float(np.median(v))
    return med, 1.4826 * float(np.median(np.abs(v - med)))


def estimate_prior(fits, base):
    """decay_prior_estimate over the LOMAX history fits."""
    lc = [math.log(f["c"]) for f in fits if f["method"] == "lomax"]
    lt = [math.log(f["theta"]) for f in fits if f["method"] == "lomax"]
    rr = [f["rms"] for f in fits if f["method"] == "lomax" and f["n"] >= 4 and math.isfinite(f["rms"])]
    pr = dict(base)
    k = len(lc)
    if k == 0:
        return pr
    v0, v1 = np.array(lc), np.array(lt)
    m0, sd0 = robust(v0)
    m1, sd1 = robust(v1)
    a = np.clip(v0 - m0, -3 * sd0, 3 * sd0)
    b = np.clip(v1 - m1, -3 * sd1, 3 * sd1)
    s00, s11 = float(np.sum(a * a)), float(np.sum(b * b))
    r = float(np.sum(a * b)) / math.sqrt(s00 * s11) if s00 > 0 and s11 > 0 and k >= 5 else 0.0
    wgt = k / (k + 5.0)
    mu, sd = [], []
    for j, (mj, sdj) in enumerate(((m0, sd0), (m1, sd1))):
        sdj = max(sdj, 0.15)
        mu.append(wgt * mj + (1 - wgt) * base["mu"][j])
        sd.append(math.sqrt(wgt * sdj * sdj + (1 - wgt) * base["sd"][j] ** 2))
    pr["mu"], pr["sd"], pr["rho"] = tuple(mu), tuple(sd), wgt * r + (1 - wgt) * base["rho"]
    if rr:
        mr, _ = robust(rr)
        wr = len(rr) / (len(rr) + 5.0)
        pr["sigma"] = max(0.02, wr * mr + (1 - wr) * base["sigma"])
    return pr


def sh_rule(pr, ages, counts, finals):
    """decay_prior_fit_loglinear: kernel-smoothed alpha(t) at the nodes (bandwidth 0.5 in ln t)."""
    ages, counts, finals = np.asarray(ages), np.asarray(counts), np.asarray(finals)
    if ages.size == 0:
        return pr
    lt = np.log(ages)
    yv = np.log(finals / counts)
    z = (lt[:, None] - np.log(NODES)[None, :]) / 0.5
    wk = np.where(np.abs(z) > 4, 0.0, np.exp(-0.5 * z * z))
    sw, swy, swyy = wk.sum(0), (wk * yv[:, None]).sum(0), (wk * (yv * yv)[:, None]).sum(0)
    pr = dict(pr)
    alpha, sd = np.full(10, np.nan), np.full(10, np.nan)
    for k in range(10):
        if sw[k] < 2.0:
            continue
        a = swy[k] / sw[k]
        var = swyy[k] / sw[k] - a * a
        alpha[k] = a
        sd[k] = max(0.02, math.sqrt(max(var, 0) * sw[k] / max(sw[k] - 1.0, 1.0)))
    pr["sh_alpha"], pr["sh_sd"], pr["sh_n"] = alpha, sd, int(ages.size)
    return pr


SNAP_SQL = """COPY (
SELECT p.tweet_id, extract(epoch FROM p.posted_at)::float8 AS posted_at,
       (p.posted_at >= %(from)s::timestamptz AND p.posted_at < %(to)s::timestamptz) AS in_range,
       (p.posted_at >= %(hfrom)s::timestamptz AND p.posted_at < %(asof)s::timestamptz) AS in_history,
       extract(epoch FROM s.snapshot_at - p.posted_at)::float8 / 3600.0 AS age_h,
       s.likes, s.retweets, s.replies, s.impressions
  FROM xetl.posts p
  JOIN performance_snapshots s ON s.account_id = p.account_id AND s.tweet_id = p.tweet_id
 WHERE p.account_id = %(acct)s AND p.posted_at IS NOT NULL
   AND ((p.posted_at >= %(from)s::timestamptz AND p.posted_at < %(to)s::timestamptz)
        OR (p.posted_at >= %(hfrom)s::timestamptz AND p.posted_at < %(asof)s::timestamptz))
   AND s.snapshot_at <= %(asof)s::timestamptz AND s.snapshot_at > p.posted_at
 ORDER BY p.tweet_id, s.snapshot_at, s.source) TO STDOUT WITH (FORMAT csv, HEADER)"""


def load(conn, acct, rng_from, rng_to, asof):
    buf = io.StringIO()
    with conn.cursor() as cur:
        params = {"acct": acct, "from": rng_from, "to": rng_to, "asof": asof,
                  "hfrom": pd.Timestamp(asof) - pd.Timedelta(days=HISTORY_DAYS)}
        cur.copy_expert(cur.mogrify(SNAP_SQL, {k: str(v) for k, v in params.items()}).decode(), buf)
    buf.seek(0)
    df = pd.read_csv(buf, dtype={"tweet_id": str}, true_values=["t"], false_values=["f"])
    for c in ("likes", "retweets", "replies", "impressions"):
        df[c] = df[c].astype(float).where(df[c] >= 0)
    df["engagements"] = df["likes"] + df["retweets"] + df["replies"]
    df.loc[(df["impressions"] == 0) & (df["engagements"] > 0), "impressions"] = np.nan
    return df


def fit_account(df):
    """Every metric: the prior from the history, then the posts in range.  Rows for fit_out."""
    # The rows come by post (ORDER BY tweet_id): one split per column instead of a groupby per metric.
    post_tid = df["tweet_id"].to_numpy()
    cut = np.flatnonzero(post_tid[1:] != post_tid[:-1]) + 1
    first = np.concatenate(([0], cut)) if len(post_tid) else np.array([], dtype=int)
    post_ids, post_inr = post_tid[first], df["in_range"].to_numpy()[first]
    post_inh = df["in_history"].to_numpy()[first]

    def split(col):
        return np.split(df[col].to_numpy(dtype=float), cut) if len(post_tid) else []
    post_ages = split("age_h")
    rows = []
    nfits = 0
    for metric in METRICS:
        cleaned = []
        for k, (a, v) in enumerate(zip(post_ages, split(metric))):
            ok = np.isfinite(v)
            t, y = clean(a[ok], v[ok])
            cleaned.append((post_ids[k], bool(post_inr[k]), bool(post_inh[k]), t, y))
        base = default_prior()
        hist = [fit_one(t, y, base) for _, _, inh, t, y in cleaned
                if inh and t.size >= 3 and t[-1] >= 24.0 and y[-1] > 0]
        nfits += len(hist)
        pr = estimate_prior(hist, base)
        ages, counts, finals = [], [], []
        for _, _, inh, t, y in cleaned:
            if not inh or t.size == 0:
                continue
            act = observed_at(t, y, H)
            if not (act > 0):
                continue
            keep = (t < H) & (y > 0)
            ages.extend(t[keep].tolist())
            counts.extend(y[keep].tolist())
            finals.extend([act] * int(keep.sum()))
        pr = sh_rule(pr, ages, counts, finals)
        for tid, inr, _, t, y in cleaned:
            if not inr:
                continue
            r = fit_one(t, y, pr)
            nfits += 1
            rows.append((tid, metric, r["method"], r["n"], r["A"], r["c"], r["theta"], r["nh"], *r["check"]))
    return rows, nfits


def write(conn, rows):
    out = pd.DataFrame(rows, columns=["tweet_id", "metric", "method", "n_points", "a", "c_h", "theta", "value_7d",
                                      "ck_1h", "ck_4h", "ck_24h", "ck_48h", "ck_7d"])
    buf = io.StringIO()
    out.to_csv(buf, index=False, header=False, float_format="%.17g")
    buf.seek(0)
    with conn.cursor() as cur:
        cur.execute("CREATE SCHEMA IF NOT EXISTS bench_baseline")
        cur.execute("""CREATE TABLE IF NOT EXISTS bench_baseline.fit_out (tweet_id text, metric text, method text,
                       n_points int, a float8, c_h float8, theta float8, value_7d float8, ck_1h float8,
                       ck_4h float8, ck_24h float8, ck_48h float8, ck_7d float8, PRIMARY KEY (tweet_id, metric))""")
        cur.execute("TRUNCATE bench_baseline.fit_out")
        cur.copy_expert("COPY bench_baseline.fit_out FROM STDIN WITH (FORMAT csv)", buf)
    conn.commit()
    return len(out)


def run(conn, acct, rng_from, rng_to, asof):
    df = load(conn, acct, rng_from, rng_to, asof)
    rows, nfits = fit_account(df)
    n = write(conn, rows)
    return {"posts_in_range": int(df.loc[df["in_range"], "tweet_id"].nunique()), "rows": n, "fits": nfits,
            "snapshots": len(df)}
