"""sim.py - a deterministic simulated X account, for the fake X API and the demo.

This module is the single source of truth for what the fake X API
(tests/fakex/fakex.py) serves and for the demo's bundled fixtures: both
import it, so the fixtures and the server describe the same account.
Python 3 standard library only.  Nothing here reads the clock or any global
random state: every value is a pure function of (scenario, time).

Scenario format (JSON; every key optional except "accounts")
-----------------------------------------------------------
{
  "now": "2026-11-25T00:00:00Z",        initial fake clock (default: last start + 10 days)
  "accounts": [
    {
      "user_id": "1000000001",          X user id (digits, as text)
      "handle": "xetl_demo",            username without '@'
      "start": "2026-11-01T00:00:00Z",  time of the first post
      "posts": 60,                      original posts (kind post)
      "replies": 15,                    replies to other accounts (kind reply)
      "manual_posts": 5,                of "posts", how many the bot did not record
                                        (they appear on the timeline only)
      "interval_hours": 6.0,            mean spacing between consecutive items
      "followers": 1200,                followers at "start"
      "drift_per_day": 3.0,             baseline follower growth not caused by posts
      "seed": 42,                       everything else is drawn from this
      "realism": {                      optional: a world the attribution model does not
                                        assume (docs/attribution.md); absent = none of it
        "lag_hours": 3.0,               each post's follows lag its impressions by an
                                        exponential delay of this mean (per post)
        "overdispersion": 0.8,          lognormal sd of each post's own conversion
        "daily_amplitude": 0.6,         organic drift x (1 + a cos(2 pi (hour - 15) / 24))
        "churn_per_day": 0.002          unfollows per follower of the start count per day
      }
    }
  ]
}

The model
---------
Every post i has, per counter m, a final count A_m and a Lomax curve with
scale c_h (hours) and shape theta; the count at age h hours is

    N_m(h) = floor(A_m * (1 - (1 + h / c_h) ** -theta))       (h >= 0)

which is non-decreasing in h, so snapshots never go down.  The account's
follower count at time t is

    floor(followers + drift_per_day * days(t - start)
          + sum over posts posted by t of F_i * (1 - (1 + h_i / c_f) ** -theta_f))

where F_i is the post's eventual follows (depends on its content type).
Tweet ids are snowflakes built from the creation time, so they grow with time
as X's do.  A post does not exist before its created_at.
"""

import datetime as _dt
import json
import math
import random
import uuid

TWITTER_EPOCH_MS = 1288834974657

CONTENT_TYPES = [
    ("ct_tips", "Practical tips", 1.0),
    ("ct_hot_take", "Hot take", 1.6),
    ("ct_data_story", "Data story", 1.3),
    ("ct_question", "Question", 0.7),
]
FORMULAS = ["curiosity_gap", "contrarian", "listicle", "story_arc"]
HOOKS = ["question", "statistic", "bold_claim", "personal"]

DEFAULT_SCENARIO = {
    "accounts": [
        {
            "user_id": "1000000001",
            "handle": "xetl_demo",
            "start": "2026-11-01T00:00:00Z",
            "posts": 60,
            "replies": 15,
            "manual_posts": 5,
            "interval_hours": 6.0,
            "followers": 1200,
            "drift_per_day": 3.0,
            "seed": 42,
        }
    ]
}


def parse_time(s):
    """ISO 8601 text -> epoch seconds (int).  'Z' or an offset; UTC when none."""
    s = s.strip()
    if s.endswith("Z") or s.endswith("z"):
        s = s[:-1] + "+00:00"
    if len(s) == 10:
        s += "T00:00:00+00:00"
    d = _dt.datetime.fromisoformat(s)
    if d.tzinfo is None:
        d = d.replace(tzinfo=_dt.timezone.utc)
    return int(d.timestamp())


def format_time(t, millis=True):
    """epoch seconds -> '2026-03-02T06:28:26.000Z' (X's format)."""
    d = _dt.datetime.fromtimestamp(int(t), tz=_dt.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + (".000Z" if millis else "Z")


def lomax_cdf(h, c, theta):
    if h <= 0:
        return 0.0
    return 1.0 - (1.0 + h / c) ** (-theta)


class Tweet:
    """One simulated post or reply.  Fields are fixed at construction."""

    def __init__(self, acct, index, kind, created_at, rng, bot):
        self.account = acct
        self.index = index
        self.kind = kind                      # 'post' or 'reply'
        self.created_at = created_at          # epoch seconds
        self.bot = bot                        # recorded in the bot's content_metadata
        ms = created_at * 1000 - TWITTER_EPOCH_MS
        self.id = str((ms << 22) | ((acct.number & 0x3FF) << 12) | (index & 0xFFF))

        ct = CONTENT_TYPES[rng.randrange(len(CONTENT_TYPES))]
        self.content_type_id, self.content_type_name, follow_mult = ct
        self.viral_formula = FORMULAS[rng.randrange(len(FORMULAS))]
        self.hook_used = HOOKS[rng.randrange(len(HOOKS))]

        base = 2000.0 if kind == "post" else 300.0
        imp = base * math.exp(rng.gauss(0.0, 0.7))
        self.theta = rng.uniform(0.8, 2.0)
        self.c_h = rng.uniform(1.5, 6.0)
        like_rate = rng.uniform(0.01, 0.05)
        likes = imp * like_rate
        # Final counts and each counter's own time scale (near the post's).
        self.final = {
            "impression_count": imp,
            "like_count": likes,
            "retweet_count": likes * rng.uniform(0.1, 0.25),
            "reply_count": likes * rng.uniform(0.05, 0.15),
            "quote_count": likes * rng.uniform(0.0, 0.04),
            "bookmark_count": likes * rng.uniform(0.1, 0.3),
            "url_link_clicks": imp * rng.uniform(0.002, 0.01),
            "user_profile_clicks": imp * rng.uniform(0.003, 0.015),
        }
        self.scale = {k: self.c_h * rng.uniform(0.8, 1.25) for k in self.final}
        self.follows_final = imp * rng.uniform(0.0005, 0.003) * follow_mult
        self.follows_c = self.c_h * rng.uniform(1.0, 2.0)
        # Realism draws come from their own stream: scenarios without it are unchanged.
        self.follows_lag_h = 0.0
        real = acct.realism
        if real:
            rrng = random.Random("xetl-sim:%s:realism:%d" % (acct.seed, index))
            sd = float(real.get("overdispersion", 0.0))
            self.follows_final *= math.exp(rrng.gauss(0.0, sd) - 0.5 * sd * sd)
            lag = float(real.get("lag_hours", 0.0))
            self.follows_lag_h = rrng.expovariate(1.0 / lag) if lag > 0 else 0.0

        if kind == "reply":
            k = rng.randrange(1, 50)
            self.parent_user_id = str(2000000000 + k)
            self.parent_username = "target_%d" % k
            self.parent_tweet_id = str(int(self.id) - 1000 - rng.randrange(1, 10 ** 9))
        else:
            self.parent_user_id = self.parent_username = self.parent_tweet_id = None

        if index % 7 == 3:
            # Text that exercises escaping: quotes, tab, backslash, newline, emoji.
            self.text = 'Post %d: he said "ship it"\tthen\\left\nnext line \U0001F680 #growth' % index
        elif index % 5 == 1:
            self.text = "Post %d: %s, read more https://t.co/x%d" % (index, self.content_type_name, index)
        else:
            self.text = "Post %d: %s via %s" % (index, self.content_type_name, self.hook_used)
        if kind == "reply":
            self.text = "@%s %s" % (self.parent_username, self.text)

    def exists_at(self, t):
        return t >= self.created_at

    def age_hours(self, t):
        return (t - self.created_at) / 3600.0

    def counter_at(self, name, t):
        h = self.age_hours(t)
        return int(math.floor(self.final[name] * lomax_cdf(h, self.scale[name], self.theta)))

    def public_metrics(self, t):
        return {
            "retweet_count": self.counter_at("retweet_count", t),
            "reply_count": self.counter_at("reply_count", t),
            "like_count": self.counter_at("like_count", t),
            "quote_count": self.counter_at("quote_count", t),
            "bookmark_count": self.counter_at("bookmark_count", t),
            "impression_count": self.counter_at("impression_count", t),
        }

    def non_public_metrics(self, t):
        return {
            "impression_count": self.counter_at("impression_count", t),
            "url_link_clicks": self.counter_at("url_link_clicks", t),
            "user_profile_clicks": self.counter_at("user_profile_clicks", t),
        }

    def organic_metrics(self, t):
        return {
            "impression_count": self.counter_at("impression_count", t),
            "like_count": self.counter_at("like_count", t),
            "reply_count": self.counter_at("reply_count", t),
            "retweet_count": self.counter_at("retweet_count", t),
            "url_link_clicks": self.counter_at("url_link_clicks", t),
            "user_profile_clicks": self.counter_at("user_profile_clicks", t),
        }

    def follows_at(self, t):
        """Continuous (unrounded) follows caused by this post by time t."""
        return self.follows_final * lomax_cdf(self.age_hours(t) - self.follows_lag_h, self.follows_c, self.theta)

    def decision_id(self):
        """The bot's decision id for this post (a stable UUID)."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, "xetl-sim:%s:%d" % (self.account.user_id, self.index)))

    def generation_metadata(self):
        return {
            "content_type_id": self.content_type_id,
            "content_type_name": self.content_type_name,
            "viral_formula": self.viral_formula,
            "hook_used": self.hook_used,
        }

    def api_object(self, t, fields):
        """The tweet as GET /2/tweets returns it at time t, with the asked tweet.fields."""
        o = {"id": self.id, "text": self.text, "edit_history_tweet_ids": [self.id]}
        if "created_at" in fields:
            o["created_at"] = format_time(self.created_at)
        if "author_id" in fields:
            o["author_id"] = self.account.user_id
        if "conversation_id" in fields:
            o["conversation_id"] = self.parent_tweet_id if self.kind == "reply" else self.id
        if "in_reply_to_user_id" in fields and self.kind == "reply":
            o["in_reply_to_user_id"] = self.parent_user_id
        if "referenced_tweets" in fields and self.kind == "reply":
            o["referenced_tweets"] = [{"type": "replied_to", "id": self.parent_tweet_id}]
        if "public_metrics" in fields:
            o["public_metrics"] = self.public_metrics(t)
        if "non_public_metrics" in fields:
            o["non_public_metrics"] = self.non_public_metrics(t)
        if "organic_metrics" in fields:
            o["organic_metrics"] = self.organic_metrics(t)
        return o


class Account:
    def __init__(self, spec, number):
        self.number = number
        self.user_id = str(spec.get("user_id", "1000000001"))
        self.handle = spec.get("handle", "xetl_demo")
        self.start = parse_time(spec.get("start", "2026-11-01T00:00:00Z"))
        self.n_posts = int(spec.get("posts", 60))
        self.n_replies = int(spec.get("replies", 15))
        self.manual_posts = int(spec.get("manual_posts", 0))
        self.interval_h = float(spec.get("interval_hours", 6.0))
        self.followers0 = int(spec.get("followers", 1200))
        self.drift = float(spec.get("drift_per_day", 3.0))
        self.seed = spec.get("seed", 42)
        self.realism = spec.get("realism") or {}
        self.following = 300 + number
        self.tweets = []
        n = self.n_posts + self.n_replies
        rng = random.Random("xetl-sim:%s:layout" % self.seed)
        # Which items are replies, and which posts the bot did not record:
        # spread deterministically through the sequence.
        kinds = ["reply"] * self.n_replies + ["post"] * self.n_posts
        rng.shuffle(kinds)
        post_idx = [i for i, k in enumerate(kinds) if k == "post"]
        manual = set(rng.sample(post_idx, min(self.manual_posts, len(post_idx))))
        t = self.start
        for i in range(n):
            trng = random.Random("xetl-sim:%s:tweet:%d" % (self.seed, i))
            self.tweets.append(Tweet(self, i, kinds[i], int(t), trng, i not in manual))
            t += self.interval_h * 3600.0 * rng.uniform(0.5, 1.5)
        self.by_id = {tw.id: tw for tw in self.tweets}

    def organic_at(self, t):
        """Organic net follows since start (drift with its daily cycle, less churn)."""
        days = max(0.0, (t - self.start) / 86400.0)
        amp = float(self.realism.get("daily_amplitude", 0.0))
        o = self.drift * days
        if amp:
            # integral of drift * amp * cos(2 pi (hour - 15) / 24) from start to t
            ph = lambda x: 2.0 * math.pi * ((x % 86400) / 86400.0 - 15.0 / 24.0)
            o += self.drift * amp / (2.0 * math.pi) * (math.sin(ph(max(t, self.start))) - math.sin(ph(self.start)))
        return o - float(self.realism.get("churn_per_day", 0.0)) * self.followers0 * days

    def followers_at(self, t):
        days = max(0.0, (t - self.start) / 86400.0)
        s = self.followers0 + (self.organic_at(t) if self.realism else self.drift * days)
        for tw in self.tweets:
            if tw.exists_at(t):
                s += tw.follows_at(t)
        return int(math.floor(s))

    def tweet_count_at(self, t):
        return sum(1 for tw in self.tweets if tw.exists_at(t))

    def user_object(self, t):
        return {
            "id": self.user_id,
            "name": self.handle.replace("_", " ").title(),
            "username": self.handle,
            "public_metrics": {
                "followers_count": self.followers_at(t),
                "following_count": self.following,
                "tweet_count": self.tweet_count_at(t),
                "listed_count": 7,
                "like_count": 150,
            },
        }

    def bot_rows(self):
        """What the bot's content_metadata holds: posted, recorded items only."""
        rows = []
        for tw in self.tweets:
            if not tw.bot:
                continue
            rows.append({
                "decision_id": tw.decision_id(),
                "decision_type": "reply" if tw.kind == "reply" else "single",
                "content": tw.text,
                "status": "posted",
                "tweet_id": tw.id,
                "target_tweet_id": tw.parent_tweet_id,
                "target_username": tw.parent_username,
                "posted_at": format_time(tw.created_at, millis=False),
                "generation_metadata": tw.generation_metadata(),
            })
        return rows


class Scenario:
    def __init__(self, spec=None):
        spec = spec or DEFAULT_SCENARIO
        self.accounts = [Account(a, i + 1) for i, a in enumerate(spec["accounts"])]
        if "now" in spec:
            self.now = parse_time(spec["now"])
        else:
            self.now = max(a.start for a in self.accounts) + 10 * 86400
        self.tweets = {}
        for a in self.accounts:
            self.tweets.update(a.by_id)

    def account(self, user_id):
        for a in self.accounts:
            if a.user_id == user_id:
                return a
        return None

    def truth(self, t, user_id=None):
        """Exact values the simulation gives at time t (what the fake serves)."""
        out = {"at": format_time(t, millis=False), "accounts": []}
        for a in self.accounts:
            if user_id and a.user_id != user_id:
                continue
            tweets = []
            for tw in a.tweets:
                if not tw.exists_at(t):
                    continue
                tweets.append({
                    "id": tw.id,
                    "kind": tw.kind,
                    "bot": tw.bot,
                    "decision_id": tw.decision_id(),
                    "created_at": format_time(tw.created_at, millis=False),
                    "age_hours": tw.age_hours(t),
                    "public_metrics": tw.public_metrics(t),
                    "non_public_metrics": tw.non_public_metrics(t),
                    "follows": tw.follows_at(t),
                    "parent_tweet_id": tw.parent_tweet_id,
                    "parent_username": tw.parent_username,
                    "generation_metadata": tw.generation_metadata(),
                })
            out["accounts"].append({
                "user_id": a.user_id,
                "handle": a.handle,
                "followers_count": a.followers_at(t),
                "tweets": tweets,
            })
        return out


def load_scenario(path=None):
    if not path:
        return Scenario()
    with open(path, encoding="utf-8") as f:
        return Scenario(json.load(f))


def _sql_lit(v):
    if v is None:
        return "NULL"
    if isinstance(v, (dict, list)):
        v = json.dumps(v, sort_keys=True)
    return "'" + str(v).replace("'", "''") + "'"


def content_metadata_sql(scenario, shape="standalone", at=None):
    """
    SQL that fills the bot's tables for every account's recorded posts that
    exist at time `at` (default: all), in one of the shapes of
    docs/schema.md: "standalone" (xetl's: uuid + tweet_id column),
    "uuid" (the bot's uuid shape of fixtures/legacy/content_metadata_uuid.sql:
    no tweet_id, no target_username; the tweet ids go to posted_decisions
    (decision_id text, tweet_id text), keyed by the decision uuid as text)
    or "textid" (text id + posted_decisions with the bot's extra columns).
    """
    lines = []
    for a in scenario.accounts:
        for r in a.bot_rows():
            if at is not None and parse_time(r["posted_at"]) > at:
                continue
            if shape == "textid":
                dt = {"single": "content"}.get(r["decision_type"], r["decision_type"])
                lines.append(
                    "INSERT INTO content_metadata (id, content, status, decision_type, target_tweet_id,"
                    " target_username, posted_at, generation_metadata) VALUES (%s);" % ", ".join(map(_sql_lit, [
                        r["decision_id"], r["content"], "posted", dt, r["target_tweet_id"],
                        r["target_username"], r["posted_at"], r["generation_metadata"]])))
                lines.append(
                    "INSERT INTO posted_decisions (decision_id, tweet_id, decision_type, target_tweet_id,"
                    " target_username, posted_at) VALUES (%s);" % ", ".join(map(_sql_lit, [
                        r["decision_id"], r["tweet_id"], dt, r["target_tweet_id"],
                        r["target_username"], r["posted_at"]])))
            elif shape == "uuid":
                cols = ["decision_id", "decision_type", "content", "status", "target_tweet_id",
                        "posted_at", "generation_metadata"]
                lines.append("INSERT INTO content_metadata (%s) VALUES (%s);" % (
                    ", ".join(cols), ", ".join(_sql_lit(r[c]) for c in cols)))
                lines.append("INSERT INTO posted_decisions (decision_id, tweet_id) VALUES (%s, %s);" % (
                    _sql_lit(r["decision_id"]), _sql_lit(r["tweet_id"])))
            else:
                cols = ["decision_id", "decision_type", "content", "status", "target_tweet_id",
                        "target_username", "posted_at", "generation_metadata", "tweet_id"]
                lines.append("INSERT INTO content_metadata (%s) VALUES (%s);" % (
                    ", ".join(cols), ", ".join(_sql_lit(r[c]) for c in cols)))
    return "\n".join(lines) + "\n"


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(description="xetl's simulated X account")
    ap.add_argument("--scenario", help="scenario JSON file (default: built-in)")
    ap.add_argument("--truth-at", metavar="ISO", help="print the truth at this time as JSON")
    ap.add_argument("--content-metadata-sql", metavar="SHAPE",
                    help="print SQL filling content_metadata (standalone|uuid|textid)")
    ap.add_argument("--at", metavar="ISO", help="with --content-metadata-sql: only posts made by then")
    args = ap.parse_args(argv)
    sc = load_scenario(args.scenario)
    if args.truth_at:
        print(json.dumps(sc.truth(parse_time(args.truth_at)), indent=1, sort_keys=True))
    if args.content_metadata_sql:
        at = parse_time(args.at) if args.at else None
        print(content_metadata_sql(sc, args.content_metadata_sql, at), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
