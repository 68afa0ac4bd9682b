"""Which network addresses a workspace-chosen model endpoint may reach (the bot runs in the operator's network).

An address embedding an IPv4 one (IPv4-mapped or -compatible, NAT64, 6to4, Teredo) is judged by the IPv4
address it reaches: `ipaddress.is_global` calls `64:ff9b::a9fe:a9fe` global although NAT64 delivers it to
169.254.169.254. The cloud metadata services are refused even when the operator allows private endpoints.
"""

from __future__ import annotations

import ipaddress
import socket

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# AWS/GCP/Azure/OpenStack (IPv4 and AWS's IPv6) and Alibaba Cloud's metadata services.
METADATA = frozenset(ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200"))
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
# Not global whatever this Python's ipaddress tables say (192.0.0.0/24: IETF protocol assignments).
NEVER_GLOBAL = (ipaddress.ip_network("192.0.0.0/24"),)


class AddressRefused(ValueError):
    """The host resolves (or is) somewhere a workspace-chosen endpoint may not reach."""


def reached(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address embeds and delivers to, else the address itself."""
    if isinstance(address, ipaddress.IPv4Address):
        return address
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    value = int(address)
    if any(address in net for net in NAT64) or (1 < value < 2**32):  # NAT64, or IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(value & 0xFFFFFFFF)
    return address


def allowed(address: IPAddress, *, allow_private: bool) -> bool:
    """True when a workspace-chosen endpoint may connect to address."""
    inner = reached(address)
    if address in METADATA or inner in METADATA:
        return False
    if allow_private:
        return True
    return all(
        a.is_global and not a.is_multicast and not any(a in net for net in NEVER_GLOBAL) for a in {address, inner}
    )


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address host resolves to; AddressRefused when it resolves to none."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise AddressRefused(f"{host} could not be found (DNS)") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses:
        raise AddressRefused(f"{host} has no address")
    return addresses


def checked_addresses(host: str, port: int, *, allow_private: bool) -> list[IPAddress]:
    """host's addresses when every one may be reached; AddressRefused naming host when one may not."""
    addresses = resolve(host, port)
    if not all(allowed(a, allow_private=allow_private) for a in addresses):
        raise AddressRefused(f"{host} is a private, local or reserved address: the operator does not allow those")
    return addresses
