"""The DNS modules through a real ansible-playbook run (AnsiballZ packaging, the dns action group in
module_defaults, the TSIG secret from the environment) against the real BIND primary + Knot secondary."""
from __future__ import annotations

import sys
import textwrap

import pytest

from tests.lib.playbook import run_playbook

PLAYBOOK = textwrap.dedent("""\
    - hosts: localhost
      gather_facts: false
      module_defaults:
        group/mailwave.migrate.dns:
          provider: rfc2136
          server: 127.0.0.1
          port: {port}
          key_name: migration-key
          zone: example.test
          request_timeout: 5
      tasks:
        - name: Back up
          mailwave.migrate.dns_zone_backup:
            dest: "{dest}"
          register: backup
        - name: Switch MX
          mailwave.migrate.dns_record_set: {{record: "@", type: MX, ttl: 300, value: ["10 mail.new.test"]}}
        - name: Switch MX again
          mailwave.migrate.dns_record_set: {{record: "@", type: MX, ttl: 300, value: ["10 mail.new.test"]}}
          register: again
        - name: Verify on both authoritative servers
          mailwave.migrate.dns_propagation:
            record: "@"
            type: MX
            ttl: 300
            value: ["10 mail.new.test"]
            nameservers: ["127.0.0.1:{port}", "127.0.0.3:{port}"]
            timeout: 20
            interval: 0.5
            request_timeout: 1
        - name: Roll back
          mailwave.migrate.dns_zone_restore:
            src: "{{{{ backup.path }}}}"
        - name: Nothing left to do
          ansible.builtin.assert:
            that: [not again.changed]
    """)


@pytest.mark.slow
def test_playbook_with_group_defaults(bind_backend, knot_secondary, tmp_path):
    saved = bind_backend.records()
    playbook = tmp_path / "dns.yml"
    playbook.write_text(PLAYBOOK.format(port=bind_backend.port, dest=tmp_path / "backups"))
    result = run_playbook(str(playbook), "localhost,", args=["-c", "local", "-v"],
                          extra_vars={"ansible_python_interpreter": sys.executable},
                          env={"MAILWAVE_DNS_KEY_SECRET": bind_backend.secret})
    assert result.rc == 0, result.tail()
    assert bind_backend.secret not in result.stdout + result.stderr
    assert len(result.changed_tasks()) == 3, result.tasks  # backup, switch, roll back
    assert bind_backend.write_count() == 2
    now = bind_backend.records()
    assert {k: v for k, v in now.items() if k[1] != "SOA"} == {k: v for k, v in saved.items() if k[1] != "SOA"}
