"""The test harness itself: modules run in their own process with arguments on stdin."""
import os


def test_collection_link_points_at_checkout():
    from tests.lib.collection import LINK, REPO, ensure_collection_link

    ensure_collection_link()
    assert os.path.realpath(LINK) == str(REPO)


def test_free_port_is_bindable():
    import socket

    from tests.lib.ports import free_port

    port = free_port(udp_too=True)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", port))
    assert 1024 < port < 65536
