#!/usr/bin/env python3
"""fixtures.py - the demo's per-account fixture files for one account of a
multi-account scenario (make citus-check runs the demo for three accounts).

    fixtures.py SIM_DIR DEMO_DIR SCENARIO N AS_OF OUT

fixtures/demo/make_fixtures.py writes its files for the scenario's first
account; this runs it with account N put first, so each account of the one
scenario the fake X API serves gets its own follower samples and export.
"""
import sys


def main():
    sim_dir, demo_dir, scenario, n, as_of, out = sys.argv[1:7]
    sys.path.insert(0, sim_dir)
    sys.path.insert(0, demo_dir)
    import sim
    import make_fixtures

    load = sim.load_scenario
    k = int(n)

    def load_with_account_first(path):
        sc = load(path)
        sc.accounts = [sc.accounts[k]] + [a for i, a in enumerate(sc.accounts) if i != k]
        return sc

    sim.load_scenario = load_with_account_first
    sys.argv = ["make_fixtures.py", "--scenario", scenario, "--as-of", as_of, "--out", out, "--sim-dir", sim_dir]
    return make_fixtures.main()


if __name__ == "__main__":
    raise SystemExit(main())
