"""imapsync's end-of-run report parsed into numbers."""
from __future__ import annotations

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.imapsync_log import parse_imapsync_log

REPORT = """Transfer started at Sun Nov 22 15:06:00 2026
++++ Listing folders
++++ Statistics
Transfer started on                     : Sun Nov 22 15:06:00 2026
Transfer ended on                       : Sun Nov 22 15:08:10 2026
Transfer time                           : 130.2 sec
Folders synced                          : 5/6 synced
Messages transferred                    : 1234
Messages skipped                        : 56
Messages found duplicate on host1       : 0
Messages found duplicate on host2       : 1
Messages deleted on host1               : 0
Messages deleted on host2               : 3
Total bytes transferred                 : 98765432 (94.190 MiB)
Total bytes skipped                     : 4321 (4.220 KiB)
Message rate                            : 9.5 messages/s
The sync is not finished, there are 2 among 1290 identified messages in host1 that are not on host2.
Detected 2 errors

Exiting with return value 111 (EXIT_WITH_ERRORS: exit with errors) 2/50 nb_errors/max_errors PID 1234
"""


def test_full_report():
    stats = parse_imapsync_log(REPORT)
    assert stats["messages_transferred"] == 1234 and stats["messages_skipped"] == 56
    assert stats["bytes_transferred"] == 98765432 and stats["bytes_skipped"] == 4321
    assert stats["errors"] == 2 and stats["messages_deleted_destination"] == 3
    assert (stats["folders_synced"], stats["folders_total"]) == (5, 6)
    assert (stats["exit_code"], stats["exit_status"], stats["exit_message"]) == (111, "EXIT_WITH_ERRORS",
                                                                                 "exit with errors")
    assert stats["verdict"][0].startswith("The sync is not finished, there are 2 among 1290")
    assert stats["has_statistics"] is True


def test_dry_run():
    stats = parse_imapsync_log("++++ Statistics\nMessages transferred                    : 0 (could be 42 without dry "
                               "mode)\nExiting with return value 0 (EX_OK: successful termination) 0/50")
    assert stats["messages_transferred"] == 0 and stats["messages_transferable"] == 42


def test_failure_before_statistics():
    stats = parse_imapsync_log("Host1: connecting\nFailure: can not login\nExiting with return value 16 "
                               "(EXIT_AUTHENTICATION_FAILURE: authentication failure) 1/50 nb_errors/max_errors")
    assert stats["has_statistics"] is False and stats["messages_transferred"] is None
    assert (stats["exit_code"], stats["exit_status"]) == (16, "EXIT_AUTHENTICATION_FAILURE")


def test_transcript_log_and_empty_log():
    stats = parse_imapsync_log("Transfer started...\nExiting with return value 0 (EX_OK: successful termination) "
                               "0/50 nb_errors/max_errors")
    assert stats["exit_status"] == "EX_OK" and stats["errors"] is None
    empty = parse_imapsync_log("")
    assert empty["exit_code"] is None and empty["verdict"] == []


def test_last_run_wins_when_the_log_has_two():
    second = REPORT.replace(": 1234\n", ": 7\n").replace("111 (EXIT_WITH_ERRORS", "0 (EX_OK")
    stats = parse_imapsync_log(REPORT + "\n" + second)
    assert stats["messages_transferred"] == 7 and stats["exit_status"] == "EX_OK"
