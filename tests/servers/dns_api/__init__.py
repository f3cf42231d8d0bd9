"""In-memory emulators of the DNS providers' HTTP APIs (OVH, Gandi LiveDNS, Cloudflare) for the tests."""
