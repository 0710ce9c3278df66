//! A small, strict extractor of the host and port a URL points at, for `domain` grants on
//! hosts built without the `native` feature (WebAssembly), where the full WHATWG parser
//! (the `url` crate with its IDNA tables) would dominate the binary size.
//!
//! Accepted form: `scheme://[userinfo@]host[:port][/path][?query][#fragment]`. The host is
//! returned in lower case, the port is the explicit one or the scheme's default. Anything a
//! WHATWG parser could read differently is rejected rather than guessed, so a grant check
//! built on this extractor can only be stricter than one built on the full parser:
//! whitespace, control characters and backslashes anywhere; percent signs, non-ASCII and
//! other unusual characters in the host; a missing `//`; an empty host; numeric hosts that
//! are not canonical dotted-quad IPv4 addresses (`0x7f.1`, `2130706433`, `010.0.0.1`).

/// Where a URL goes: the lower-case host (`[...]` kept around IPv6 literals) and the port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlTarget {
    /// Lower-case host name, IPv4 address or bracketed IPv6 literal.
    pub host: String,
    /// The explicit port, else the scheme's default (`None` for unknown schemes).
    pub port: Option<u16>,
}

/// The default port of a scheme, for the schemes a WHATWG parser knows.
fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        "ftp" => Some(21),
        _ => None,
    }
}

/// Whether `label` (the last label of a host) looks numeric, which makes a WHATWG parser
/// read the host as an IPv4 address.
fn looks_numeric(label: &str) -> bool {
    label.bytes().next().is_some_and(|b| b.is_ascii_digit())
}

/// Whether `host` is a canonical dotted-quad IPv4 address (no leading zeros).
fn is_canonical_ipv4(host: &str) -> bool {
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 3
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
                && p.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

/// Checks a bracketed IPv6 literal's inside: hex digits, colons and (for an embedded IPv4
/// tail) dots, with at least one colon.
fn valid_ipv6(inside: &str) -> bool {
    !inside.is_empty()
        && inside.contains(':')
        && inside
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
}

/// Parses `raw` and returns where it points, or a one-line reason it was rejected.
pub fn parse(raw: &str) -> Result<UrlTarget, String> {
    if raw
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
    {
        return Err("whitespace, control characters and backslashes are not allowed".into());
    }
    let Some((scheme, rest)) = raw.split_once("://") else {
        return Err("expected `scheme://host`".into());
    };
    let mut chars = scheme.chars();
    let scheme_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return Err(format!("invalid scheme `{scheme}`"));
    }
    let scheme = scheme.to_ascii_lowercase();
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..end).unwrap_or("");
    // The host follows the last `@` (everything before it is user information).
    let host_port = match authority.rsplit_once('@') {
        Some((_, after)) => after,
        None => authority,
    };
    let (host, port_text) = if let Some(inner) = host_port.strip_prefix('[') {
        let Some((inside, after)) = inner.split_once(']') else {
            return Err("unclosed `[` in the host".into());
        };
        if !valid_ipv6(inside) {
            return Err(format!("invalid IPv6 address `[{inside}]`"));
        }
        let port = match after {
            "" => None,
            p => Some(
                p.strip_prefix(':')
                    .ok_or_else(|| format!("unexpected `{p}` after the IPv6 address"))?,
            ),
        };
        (format!("[{}]", inside.to_ascii_lowercase()), port)
    } else {
        let (host, port) = match host_port.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        };
        if host.is_empty() {
            return Err("the URL has no host".into());
        }
        if !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
        {
            return Err(format!("unsupported characters in host `{host}`"));
        }
        let host = host.to_ascii_lowercase();
        let last = host.trim_end_matches('.').rsplit('.').next().unwrap_or("");
        if looks_numeric(last) && !is_canonical_ipv4(host.trim_end_matches('.')) {
            return Err(format!("`{host}` is not a canonical IPv4 address"));
        }
        (host, port)
    };
    let port = match port_text {
        None | Some("") => default_port(&scheme),
        Some(p) => {
            if !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("invalid port `{p}`"));
            }
            Some(
                p.parse::<u16>()
                    .map_err(|_| format!("invalid port `{p}`"))?,
            )
        }
    };
    Ok(UrlTarget { host, port })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> (String, Option<u16>) {
        let t = parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
        (t.host, t.port)
    }

    #[test]
    fn plain_urls() {
        assert_eq!(
            ok("https://API.Example.com/v1?q=1"),
            ("api.example.com".into(), Some(443))
        );
        assert_eq!(ok("http://a.com:8080"), ("a.com".into(), Some(8080)));
        assert_eq!(ok("http://a.com:/x"), ("a.com".into(), Some(80)));
        assert_eq!(ok("HTTP://a.com?x"), ("a.com".into(), Some(80)));
        assert_eq!(ok("custom+x://h.io#f"), ("h.io".into(), None));
        assert_eq!(
            ok("http://127.0.0.1:9090/"),
            ("127.0.0.1".into(), Some(9090))
        );
        assert_eq!(ok("http://[::1]:3000/"), ("[::1]".into(), Some(3000)));
        assert_eq!(ok("https://[FE80::1]"), ("[fe80::1]".into(), Some(443)));
        assert_eq!(
            ok("https://example.com./"),
            ("example.com.".into(), Some(443))
        );
    }

    #[test]
    fn userinfo_is_skipped_using_the_last_at() {
        assert_eq!(
            ok("https://api.example.com@evil.com/"),
            ("evil.com".into(), Some(443))
        );
        assert_eq!(ok("https://u:p@a@b.com/"), ("b.com".into(), Some(443)));
        // An `@` after the authority is path, query or fragment.
        assert_eq!(
            ok("https://evil.com/@api.example.com"),
            ("evil.com".into(), Some(443))
        );
        assert_eq!(
            ok("https://evil.com#@api.example.com/"),
            ("evil.com".into(), Some(443))
        );
        assert_eq!(
            ok("https://evil.com?@api.example.com/"),
            ("evil.com".into(), Some(443))
        );
    }

    #[test]
    fn odd_input_is_rejected() {
        for bad in [
            "not a url",
            "example.com",
            "https:example.com",
            "https:///example.com",
            "file:///etc/passwd",
            "https://evil.com\\@api.example.com/",
            "https://a.com /",
            "https://a.com\t/",
            "https://api%2eexample.com/",
            "https://exämple.com/",
            "https://a.com:99999/",
            "https://a.com:8o/",
            "https://[::1/",
            "https://[::1]x/",
            "https://[zz]/",
            "https://0x7f.1/",
            "https://2130706433/",
            "https://010.0.0.1/",
            "https://1.2.3/",
            "https://256.0.0.1/",
            "1http://a.com/",
            "://a.com/",
            "https://user@/",
            "https://a*b.com/",
        ] {
            assert!(parse(bad).is_err(), "{bad} should be rejected");
        }
    }
}
