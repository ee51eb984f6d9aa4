"""`make bench-peer` reports each ratio against its target by both measures, and says so when
only one of them meets it. (Installing the peer from PyPI is left to the bench itself.)"""

from benchmarks import peer


def _row(name: str, rps: float, cpu_ms: float) -> dict:
    return {
        "name": name,
        "rps": rps,
        "p50_ms": 1.0,
        "p95_ms": 2.0,
        "errors": 0,
        "cpu_ms": cpu_ms,
        "status": 200,
    }


def test_the_report_judges_each_ratio_by_requests_and_by_cpu():
    # given a run where the bare view is ahead by CPU only and a list is ahead by both
    report = {
        "rows": [_row("ours: bare view", 80, 0.2), _row("helpdesk: bare view", 100, 0.25)],
        "ratios": [
            {"ours": "a", "theirs": "b", "target": 0.9, "rps_ratio": 0.8, "cpu_ratio": 1.25},
            {"ours": "c", "theirs": "d", "target": 2.0, "rps_ratio": 3.0, "cpu_ratio": 2.5},
            {"ours": "e", "theirs": "f", "target": 2.0, "rps_ratio": 1.0, "cpu_ratio": 0.5},
        ],
    }
    # when it is printed
    lines = peer.print_report(report).splitlines()
    # then each judgement says which measure met its target
    assert lines[-3].endswith("met by one measure only")
    assert lines[-2].endswith("≥ 2.0×  met")
    assert lines[-1].endswith("NOT met")
    assert "0.25" in lines[2]  # the peer's CPU per request is shown


def test_the_peer_runs_in_a_virtualenv_of_its_own_under_var():
    # given the bench's paths, then the peer is never installed into the project's venv
    assert peer.VENV.is_relative_to(peer.run.ROOT / "var")
    assert peer.PEER_PACKAGE == "django-helpdesk==2.6.1"
    assert 'CONN_MAX_AGE": 60' in peer.SETTINGS  # persistent connections, as ours
