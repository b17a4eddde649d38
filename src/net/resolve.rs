//! Refusing private and loopback addresses.
//!
//! The check has to happen on the addresses the connection will really use, i.e. *after* DNS
//! resolution: checking the host name alone is defeated by any public name that resolves to
//! `127.0.0.1` or `169.254.169.254` (the cloud metadata service). So the public client gets
//! [`PublicOnlyResolver`], which drops private addresses from every answer, and host names that
//! are IP literals (which never reach a resolver) are checked directly by [`check_url_host`] before
//! every request, including every redirect hop.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// True for addresses a crawler must not reach on a user's behalf unless the source says
/// `allow_private = true`: loopback, private networks, link-local, carrier-grade NAT,
/// "this network", multicast/broadcast/reserved, and the IPv6 equivalents, including IPv4
/// addresses wrapped in IPv6 (mapped, compatible, NAT64), which would otherwise slip through.
/// Also refused: IPv6 tunnels to such addresses and this machine's own addresses (see
/// [`super::private_ranges`]).
pub(crate) fn is_private_ip(ip: IpAddr) -> bool {
    let by_range = match ip {
        IpAddr::V4(v4) => is_private_v4(v4),
        IpAddr::V6(v6) => {
            is_private_v6(v6) || super::private_ranges::tunnels_to_private(v6, is_private_v4)
        }
    };
    by_range || super::private_ranges::is_own_address(ip)
}

fn is_private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, _, _] = ip.octets();
    a == 0 // 0.0.0.0/8 "this network"
        || a == 10 // 10/8
        || a == 127 // loopback
        || (a == 169 && b == 254) // link-local, cloud metadata
        || (a == 172 && (16..=31).contains(&b)) // 172.16/12
        || (a == 192 && b == 168) // 192.168/16
        || (a == 100 && (64..=127).contains(&b)) // 100.64/10 carrier-grade NAT
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // 192.0.0/24 IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // 198.18/15 benchmarking
        || a >= 224 // multicast 224/4, reserved 240/4, broadcast
}

fn is_private_v6(ip: Ipv6Addr) -> bool {
    if ip.is_loopback() || ip.is_unspecified() {
        return true;
    }
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_private_v4(v4);
    }
    let seg = ip.segments();
    // IPv4-compatible (deprecated, ::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) embed an IPv4 address.
    let embedded = Ipv4Addr::new(
        (seg[6] >> 8) as u8,
        (seg[6] & 0xff) as u8,
        (seg[7] >> 8) as u8,
        (seg[7] & 0xff) as u8,
    );
    if seg[..6].iter().all(|s| *s == 0) || seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_private_v4(embedded);
    }
    (seg[0] & 0xfe00) == 0xfc00 // fc00::/7 unique local
        || (seg[0] & 0xffc0) == 0xfe80 // fe80::/10 link-local
        || (seg[0] & 0xffc0) == 0xfec0 // fec0::/10 site-local (deprecated)
        || (seg[0] & 0xff00) == 0xff00 // multicast
}

/// The host of a URL that is refused, and why: carried inside reqwest's error chain from the
/// resolver so that [`super::FetchError::PrivateAddress`] can be told apart from a DNS failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PrivateAddressError {
    pub host: String,
}

impl fmt::Display for PrivateAddressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} resolves only to private or loopback addresses",
            self.host
        )
    }
}

impl std::error::Error for PrivateAddressError {}

/// Checks a URL whose host is an IP literal (reqwest connects to those without asking the
/// resolver). Host names pass here; the resolver checks what they resolve to.
pub(crate) fn check_url_host(url: &Url) -> Result<(), PrivateAddressError> {
    let ip = match url.host() {
        Some(Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(Host::Ipv6(v6)) => IpAddr::V6(v6),
        Some(Host::Domain(_)) | None => return Ok(()),
    };
    if is_private_ip(ip) {
        Err(PrivateAddressError {
            host: url.host_str().unwrap_or_default().to_owned(),
        })
    } else {
        Ok(())
    }
}

/// A resolver for the public client: the system resolver (getaddrinfo through tokio), with every
/// private address removed from the answer. A name with only private addresses fails with
/// [`PrivateAddressError`]; a name with both keeps its public ones, so the connection can never
/// land on a private address whatever order the answer came in.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PublicOnlyResolver;

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public = filter_public(&found);
            if public.is_empty() {
                if found.is_empty() {
                    let err = std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        format!("no address found for {host}"),
                    );
                    return Err(Box::new(err) as Box<dyn std::error::Error + Send + Sync>);
                }
                return Err(Box::new(PrivateAddressError { host }) as _);
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

fn filter_public(addrs: &[SocketAddr]) -> Vec<SocketAddr> {
    addrs
        .iter()
        .copied()
        .filter(|addr| !is_private_ip(addr.ip()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test literal")
    }

    #[test]
    fn private_ranges_are_refused() {
        for s in [
            "127.0.0.1",
            "127.255.0.9",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "febf::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::192.168.0.1",
            "ff02::1",
        ] {
            assert!(is_private_ip(ip(s)), "{s} should be private");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for s in [
            "8.8.8.8",
            "1.1.1.1",
            "172.15.255.255",
            "172.32.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "169.253.1.1",
            "193.168.1.1",
            "2001:4860:4860::8888",
            "::ffff:8.8.8.8",
            "64:ff9b::8.8.8.8",
            "fbff::1",
            "2a00::1",
        ] {
            assert!(!is_private_ip(ip(s)), "{s} should be public");
        }
    }

    #[test]
    fn ip_literal_hosts_are_checked_on_the_url() {
        let bad = [
            "http://127.0.0.1:8080/x",
            "http://[::1]/",
            "https://[::ffff:7f00:1]/",
            "http://10.0.0.1/",
            "http://2130706433/", // decimal form of 127.0.0.1, normalised by the URL parser
            "http://0x7f.1/",
        ];
        for s in bad {
            let url = Url::parse(s).expect("test url");
            assert!(check_url_host(&url).is_err(), "{s} should be refused");
        }
        for s in [
            "http://8.8.8.8/",
            "https://example.org/",
            "http://[2001:db8::1]/",
        ] {
            let url = Url::parse(s).expect("test url");
            assert!(check_url_host(&url).is_ok(), "{s} should pass");
        }
    }

    #[test]
    fn filter_keeps_only_public_addresses() {
        let addrs: Vec<SocketAddr> = ["127.0.0.1:0", "93.184.216.34:0", "[::1]:0"]
            .iter()
            .map(|s| s.parse().expect("test addr"))
            .collect();
        let kept = filter_public(&addrs);
        assert_eq!(kept, vec!["93.184.216.34:0".parse().expect("test addr")]);
    }

    #[tokio::test]
    async fn resolver_refuses_names_that_resolve_to_loopback() {
        // "localhost" resolves through /etc/hosts only: no traffic leaves the machine.
        let name: Name = "localhost".parse().expect("valid name");
        let err = match PublicOnlyResolver.resolve(name).await {
            Ok(addrs) => panic!("expected refusal, got {:?}", addrs.collect::<Vec<_>>()),
            Err(err) => err,
        };
        assert!(err.downcast_ref::<PrivateAddressError>().is_some(), "{err}");
    }
}
