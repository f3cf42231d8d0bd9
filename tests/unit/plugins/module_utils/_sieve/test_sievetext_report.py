"""The conversion report both converters (gmail.py, graph.py) fill with sievetext.tally, row by row."""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._sieve import sievetext as st

ACTION = st.fileinto("Invoices")


@pytest.mark.parametrize("rule, approx, whole, converted, not_converted, approximations", [
    (st.Rule("r", st.Test("true"), [ACTION]), ["a"], "rule", 1, [], [{"rule": "r", "what": "a"}]),
    (st.Rule("r", st.Test("true"), [ACTION], notes=["lost"]), [], "rule", 1, [{"rule": "r", "what": "lost"}], []),
    (st.Rule("r", st.Test("true"), [], notes=["lost"]), ["a"], "filter", 0,
     [{"rule": "r", "what": "lost"}, {"rule": "r", "what": "the whole filter: no action left"}], []),
    (st.Rule("r", st.Test("true"), [ACTION], disabled="criterion x"), ["a"], "filter", 0,
     [{"rule": "r", "what": "the whole filter: criterion x"}], []),
    (st.Rule("r", st.Test("true"), [ACTION], disabled="disabled at Microsoft 365"), [], "rule", 0,
     [{"rule": "r", "what": "the whole rule: disabled at Microsoft 365"}], []),
])
def test_tally_one_rule(rule, approx, whole, converted, not_converted, approximations):
    report = st.new_report()
    st.tally(report, rule, approx, whole=whole)
    assert report == {"rules": 1, "converted": converted, "not_converted": not_converted,
                      "approximations": approximations}


def test_tally_adds_up_over_rules():
    report = st.new_report()
    st.tally(report, st.Rule("a", st.Test("true"), [ACTION]))
    st.tally(report, st.Rule("b", st.Test("true"), []))
    st.tally(report, st.Rule("c", st.Test("true"), [ACTION]), ["x"])
    assert (report["rules"], report["converted"]) == (3, 2)
    assert report["not_converted"] == [{"rule": "b", "what": "the whole rule: no action left"}]
    assert report["approximations"] == [{"rule": "c", "what": "x"}]
