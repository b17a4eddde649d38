//! The private-address rules that the plain range list in `resolve.rs` misses: IPv6 forms that
//! tunnel to an IPv4 address (6to4, Teredo, IPv4-translated, local-use NAT64), and the addresses of
//! this very machine, which can be public and still reach services listening on all interfaces
//! (the dashboard, the database).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};

/// True for IPv6 addresses that carry traffic to an IPv4 address we must not reach, or to one we
/// cannot see at all:
/// - `2002::/16` (6to4) embeds an IPv4 address in bits 16–47: private when that address is;
/// - `2001::/32` (Teredo) tunnels through a relay to an address hidden in its last 32 bits: refused;
/// - `::ffff:0:a.b.c.d` (IPv4-translated, SIIT) embeds an IPv4 address: private when that one is;
/// - `64:ff9b:1::/48` (local-use NAT64, RFC 8215) translates to whatever the local network chose:
///   refused;
/// - `100::/64` (discard-only) is never a web site.
pub(crate) fn tunnels_to_private(ip: Ipv6Addr, is_private_v4: fn(Ipv4Addr) -> bool) -> bool {
    let seg = ip.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    match seg {
        [0x2002, hi, lo, ..] => is_private_v4(v4(hi, lo)),
        [0x2001, 0, ..] => true,
        [0, 0, 0, 0, 0xffff, 0, hi, lo] => is_private_v4(v4(hi, lo)),
        [0x64, 0xff9b, 1, ..] => true,
        [0x100, 0, 0, 0, ..] => true,
        _ => false,
    }
}

/// Whether `ip` is one of this machine's own addresses: only a local address can be bound to, so a
/// bind to port 0 answers without sending anything and without a list of interfaces to keep fresh.
pub(crate) fn is_own_address(ip: IpAddr) -> bool {
    if ip.is_unspecified() || ip.is_multicast() {
        return false;
    }
    UdpSocket::bind(SocketAddr::new(ip, 0)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn private_v4(ip: Ipv4Addr) -> bool {
        ip.is_private() || ip.is_loopback() || ip.is_link_local()
    }

    #[test]
    fn tunnels_to_private_networks_are_refused() {
        for s in [
            "2002:7f00:1::1",                       // 6to4 of 127.0.0.1
            "2002:c0a8:101::",                      // 6to4 of 192.168.1.1
            "2002:a9fe:a9fe::1",                    // 6to4 of 169.254.169.254
            "2001:0:4136:e378:8000:63bf:3fff:fdd2", // Teredo
            "::ffff:0:7f00:1",                      // IPv4-translated 127.0.0.1
            "::ffff:0:a00:1",                       // IPv4-translated 10.0.0.1
            "64:ff9b:1::a00:1",                     // local-use NAT64
            "100::1",
        ] {
            let ip: Ipv6Addr = s.parse().unwrap();
            assert!(tunnels_to_private(ip, private_v4), "{s}");
        }
        for s in [
            "2002:808:808::1",
            "::ffff:0:808:808",
            "2a00:1450::1",
            "2001:db8::1",
        ] {
            let ip: Ipv6Addr = s.parse().unwrap();
            assert!(!tunnels_to_private(ip, private_v4), "{s}");
        }
    }

    #[test]
    fn own_addresses_are_recognised_without_traffic() {
        assert!(is_own_address("127.0.0.1".parse().unwrap()));
        // TEST-NET-3 is never configured on a real interface (and nothing is sent to it).
        assert!(!is_own_address("203.0.113.254".parse().unwrap()));
        assert!(!is_own_address("0.0.0.0".parse().unwrap()));
    }
}
