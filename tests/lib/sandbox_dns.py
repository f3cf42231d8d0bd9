"""What the sandbox's DNS primary serves, for the wave tests."""
from __future__ import annotations

import dns.message
import dns.query
import dns.rdatatype


def query(box, name, rtype):
    """(ttl, sorted values) of name/rtype as the sandbox's primary serves it (None when absent)."""
    state = box.state["dns"]
    answer = dns.query.tcp(dns.message.make_query(name, rtype), state["server"], port=state["port"], timeout=5)
    for rrset in answer.answer:
        if rrset.rdtype == dns.rdatatype.from_text(rtype):
            return rrset.ttl, sorted(r.to_text() for r in rrset)
    return None
