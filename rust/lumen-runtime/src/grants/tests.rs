//! Grant checks. Every denial asserts the kind (E0907) and the reason: which alias and tool,
//! which grant, which value.

use super::*;
use serde_json::json;

fn g(pairs: &[(&str, Value)]) -> Vec<(String, Value)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// Asserts an E0907 denial whose message contains every fragment.
#[track_caller]
fn assert_denied<T: std::fmt::Debug>(result: Result<T, ToolError>, fragments: &[&str]) {
    let e = result.expect_err("the call must be denied");
    assert_eq!(e.code(), "E0907", "{}", e.message);
    assert_eq!(e.kind, ToolErrorKind::Denied, "{}", e.message);
    for f in fragments {
        assert!(e.message.contains(f), "`{f}` missing in: {}", e.message);
    }
}

fn fetch(grants: &[(String, Value)], url: &str) -> Result<CallContext, ToolError> {
    check_call(
        "http.get",
        "Fetch",
        grants,
        &json!({ "url": url }),
        &[],
        None,
    )
}

/// Asserts `url` is denied by the grant and that the message names the host it really goes
/// to.
#[track_caller]
fn assert_host_denied(grants: &[(String, Value)], url: &str, real_host: &str) {
    assert_denied(
        fetch(grants, url),
        &[
            "tool Fetch (http.get): grant domain denies host",
            &format!("`{real_host}`"),
        ],
    );
}

use crate::provider::ToolErrorKind;

#[test]
fn exact_domain() {
    let grants = g(&[("domain", json!("api.example.com"))]);
    assert!(fetch(&grants, "https://api.example.com/v1?q=1").is_ok());
    assert!(fetch(&grants, "https://API.Example.COM./x").is_ok());
    assert!(fetch(&grants, "http://api.example.com:8080/").is_ok());
    assert_host_denied(&grants, "https://example.com/", "example.com");
    assert_host_denied(&grants, "https://x.api.example.com/", "x.api.example.com");
    assert_host_denied(
        &grants,
        "https://api.example.com.evil.net/",
        "api.example.com.evil.net",
    );
    assert_denied(
        fetch(&grants, "https://evil.com/"),
        &["(allowed: api.example.com)"],
    );
}

#[test]
fn wildcard_domain_matches_subdomains_only() {
    let grants = g(&[("domain", json!("*.example.com"))]);
    assert!(fetch(&grants, "https://a.example.com/").is_ok());
    assert!(fetch(&grants, "https://a.b.example.com/").is_ok());
    assert_host_denied(&grants, "https://example.com/", "example.com");
    assert_host_denied(&grants, "https://badexample.com/", "badexample.com");
    assert_host_denied(
        &grants,
        "https://example.com.evil.net/",
        "example.com.evil.net",
    );
    let any = g(&[("domain", json!("*"))]);
    assert!(fetch(&any, "https://anything.at.all/").is_ok());
    // A `*` anywhere but a leading `*.` label is no wildcard.
    let odd = g(&[("domain", json!("api.*.com"))]);
    assert_host_denied(&odd, "https://api.x.com/", "api.x.com");
    let double = g(&[("domain", json!("*.*.com"))]);
    assert_host_denied(&double, "https://a.b.com/", "a.b.com");
}

#[test]
fn userinfo_and_backslash_tricks_use_the_real_host() {
    let grants = g(&[("domain", json!("api.example.com"))]);
    assert_host_denied(&grants, "https://api.example.com@evil.com/", "evil.com");
    assert_host_denied(&grants, "https://api.example.com:443@evil.com/", "evil.com");
    assert_host_denied(
        &grants,
        "https://user:pass@evil.com/?api.example.com",
        "evil.com",
    );
    assert_host_denied(&grants, "https://evil.com\\@api.example.com/", "evil.com");
    assert_host_denied(&grants, "https:\\\\evil.com\\api.example.com", "evil.com");
    assert_host_denied(&grants, "https://evil.com#@api.example.com/", "evil.com");
    assert_host_denied(&grants, "https://evil.com?@api.example.com/", "evil.com");
    assert_host_denied(&grants, "https://evil.com/@api.example.com/", "evil.com");
    assert_host_denied(&grants, "  https://evil.com/", "evil.com");
    // Userinfo that only looks like the host is fine when the host is the granted one.
    assert!(fetch(&grants, "https://evil.com@api.example.com/").is_ok());
}

#[cfg(feature = "native")]
#[test]
fn percent_encoding_ip_and_idna_tricks_use_the_real_host() {
    let grants = g(&[("domain", json!("example.com"))]);
    // Percent-encoding in the host is decoded by the parser the client uses: the request
    // goes to the decoded host, which is the one checked.
    assert!(fetch(&grants, "https://%65xample.com/").is_ok());
    assert_host_denied(&grants, "https://evil%2Ecom/", "evil.com");
    // An encoded `/` or `@` is not a separator; a host containing it is no valid host.
    assert_denied(
        fetch(&grants, "https://example.com%2F@evil.com/"),
        &["`evil.com`"],
    );
    assert_denied(
        fetch(&grants, "https://example.com%2F.evil.com/"),
        &["grant domain cannot check", "invalid URL"],
    );
    // IDNA: a Cyrillic `а` is another host (punycode); full-width letters map to ASCII.
    assert_host_denied(&grants, "https://ex\u{0430}mple.com/", "xn--exmple-4nf.com");
    assert!(fetch(&grants, "https://\u{ff45}xample.com/").is_ok());
    // Numeric IPv4 spellings are the address they denote.
    let local = g(&[("domain", json!("127.0.0.1"))]);
    assert!(fetch(&local, "http://2130706433/").is_ok());
    assert!(fetch(&local, "http://0x7f.1/").is_ok());
    assert_host_denied(&grants, "http://2130706433/", "127.0.0.1");
    assert_host_denied(&local, "http://127.0.0.2/", "127.0.0.2");
    // IPv6: compared as the normalised literal.
    assert_host_denied(&local, "http://[::ffff:127.0.0.1]/", "[::ffff:7f00:1]");
    let v6 = g(&[("domain", json!("[::1]"))]);
    assert!(fetch(&v6, "http://[0:0:0:0:0:0:0:1]/").is_ok());
    assert_host_denied(&v6, "http://[::2]/", "[::2]");
    let name = g(&[("domain", json!("localhost"))]);
    assert_host_denied(&name, "http://[::1]/", "[::1]");
}

#[test]
fn trailing_dots() {
    let grants = g(&[("domain", json!("example.com"))]);
    assert!(fetch(&grants, "https://example.com./").is_ok());
    let dotted = g(&[("domain", json!("example.com."))]);
    assert!(fetch(&dotted, "https://example.com/").is_ok());
    assert!(!host_matches("example.com", "example.com.."));
    assert!(!host_matches("*", ""));
    assert!(!host_matches("*.example.com", ".example.com"));
}

#[test]
fn several_domain_grants_any_may_match() {
    let grants = g(&[("domain", json!("a.com")), ("domain", json!("*.b.com"))]);
    assert!(fetch(&grants, "https://a.com/").is_ok());
    assert!(fetch(&grants, "https://x.b.com/").is_ok());
    assert_denied(
        fetch(&grants, "https://c.com/"),
        &[
            "tool Fetch (http.get): grant domain denies host `c.com`",
            "(allowed: a.com, *.b.com)",
        ],
    );
    let list = g(&[("domain", json!(["a.com", "c.com"]))]);
    assert!(fetch(&list, "https://c.com/").is_ok());
}

#[test]
fn domain_with_port() {
    let grants = g(&[("domain", json!("127.0.0.1:8080"))]);
    assert!(fetch(&grants, "http://127.0.0.1:8080/x").is_ok());
    assert_host_denied(&grants, "http://127.0.0.1:9090/x", "127.0.0.1");
    assert_host_denied(&grants, "http://127.0.0.1/x", "127.0.0.1");
    // The scheme's default port counts as the port.
    let tls = g(&[("domain", json!("example.com:443"))]);
    assert!(fetch(&tls, "https://example.com/").is_ok());
    assert_host_denied(&tls, "http://example.com/", "example.com");
    assert_host_denied(&tls, "https://example.com:8443/", "example.com");
    let v6 = g(&[("domain", json!("[::1]"))]);
    assert!(fetch(&v6, "http://[::1]:3000/").is_ok());
    let v6_port = g(&[("domain", json!("[::1]:3000"))]);
    assert!(fetch(&v6_port, "http://[::1]:3000/").is_ok());
    assert_host_denied(&v6_port, "http://[::1]:3001/", "[::1]");
}

#[test]
fn domain_needs_a_valid_url_with_a_host() {
    let grants = g(&[("domain", json!("example.com"))]);
    assert_denied(
        fetch(&grants, "not a url"),
        &[
            "tool Fetch (http.get): grant domain cannot check `not a url`",
            "invalid URL",
        ],
    );
    assert_denied(
        fetch(&grants, "file:///etc/passwd"),
        &["grant domain denies `file:///etc/passwd`: the URL has no host"],
    );
    assert_denied(
        fetch(&grants, "data:text/plain,hi"),
        &["grant domain denies `data:text/plain,hi`: the URL has no host"],
    );
    let missing = check_call("http.get", "Fetch", &grants, &json!({}), &[], None);
    assert_denied(missing, &["grant domain needs a string `url` argument"]);
    let not_string = check_call("http.get", "Fetch", &grants, &json!({"url": 5}), &[], None);
    assert_denied(not_string, &["grant domain needs a string `url` argument"]);
    let bad = g(&[("domain", json!(5))]);
    assert_denied(
        fetch(&bad, "https://example.com/"),
        &["grant domain has an invalid value 5 (expected a string)"],
    );
}

#[test]
fn http_tools_require_a_domain_grant() {
    for tool in ["http.get", "http.post"] {
        let e = check_call(
            tool,
            "Net",
            &[],
            &json!({"url": "http://169.254.169.254/"}),
            &[],
            None,
        );
        assert_denied(
            e,
            &[
                &format!("tool Net ({tool}): this tool requires a `domain` grant"),
                "grant Net domain",
            ],
        );
    }
}

fn read(
    grants: &[(String, Value)],
    path: &str,
    base: Option<&Path>,
) -> Result<CallContext, ToolError> {
    check_call(
        "fs.read",
        "Read",
        grants,
        &json!({ "path": path }),
        &["path"],
        base,
    )
}

/// Asserts `path` is denied by the path grants, the message naming it and the grants.
#[track_caller]
fn assert_path_denied(result: Result<CallContext, ToolError>, path: &str, allowed: &str) {
    assert_denied(
        result,
        &[
            &format!("tool Read (fs.read): grant path denies `{path}`"),
            &format!("(allowed: {allowed})"),
        ],
    );
}

#[test]
fn path_prefixes_compare_by_component() {
    let grants = g(&[("path", json!("/data"))]);
    assert!(read(&grants, "/data", None).is_ok());
    assert!(read(&grants, "/data/x.txt", None).is_ok());
    assert!(read(&grants, "/data/./sub/../x.txt", None).is_ok());
    assert_path_denied(
        read(&grants, "/database/x.txt", None),
        "/database/x.txt",
        "/data",
    );
    assert_path_denied(read(&grants, "/etc/passwd", None), "/etc/passwd", "/data");
    assert_path_denied(read(&grants, "/", None), "/", "/data");
}

#[test]
fn dotdot_cannot_escape() {
    let grants = g(&[("path", json!("/data"))]);
    for p in [
        "/data/../etc/passwd",
        "/data/a/../../etc",
        "/../data/x",
        "/data/./../etc",
        "/data//../etc",
        "/data/x/../../../../etc",
    ] {
        assert_path_denied(read(&grants, p, None), p, "/data");
    }
    let rel = g(&[("path", json!("data"))]);
    assert!(read(&rel, "data/x", None).is_ok());
    assert_path_denied(read(&rel, "data/../../x", None), "data/../../x", "data");
    assert_path_denied(read(&rel, "../data/x", None), "../data/x", "data");
    assert_path_denied(read(&rel, "/data/x", None), "/data/x", "data");
}

#[test]
fn double_slashes_and_windows_separators() {
    let grants = g(&[("path", json!("/data"))]);
    // `//` is one separator on POSIX: the same place.
    assert!(read(&grants, "//data//x", None).is_ok());
    assert_path_denied(read(&grants, "//etc/passwd", None), "//etc/passwd", "/data");
    // A backslash is an ordinary file-name character here, not a separator: these name
    // single (odd) entries inside /data, never a parent of it.
    assert!(read(&grants, "/data\\..\\..\\etc\\passwd", None).is_err());
    assert!(read(&grants, "/data/..\\..\\etc\\passwd", None).is_ok());
    assert_path_denied(
        read(&grants, "C:\\Windows\\win.ini", None),
        "C:\\Windows\\win.ini",
        "/data",
    );
    let rel = g(&[("path", json!("data"))]);
    assert_path_denied(read(&rel, "..\\secret", None), "..\\secret", "data");
}

#[test]
fn nul_bytes_are_denied() {
    let grants = g(&[("path", json!("/data"))]);
    assert_denied(
        read(&grants, "/data/x\0/../../etc/passwd", None),
        &[
            "tool Read (fs.read): grant path denies `/data/x\\0/../../etc/passwd`",
            "the path contains a NUL byte",
        ],
    );
    assert_denied(
        read(&grants, "/data/x.txt\0.png", None),
        &["contains a NUL byte"],
    );
    let nul_grant = g(&[("path", json!("/data\0/../etc"))]);
    assert_path_denied(
        read(&nul_grant, "/etc/passwd", None),
        "/etc/passwd",
        "/data\\0/../etc",
    );
}

#[test]
fn relative_paths_use_the_base() {
    let base = Path::new("/work/proj");
    let grants = g(&[("path", json!("./out"))]);
    assert!(read(&grants, "out/a.txt", Some(base)).is_ok());
    assert!(read(&grants, "/work/proj/out/b", Some(base)).is_ok());
    assert_path_denied(
        read(&grants, "/work/other/out/b", Some(base)),
        "/work/other/out/b",
        "./out",
    );
    let abs = g(&[("path", json!("/work/proj"))]);
    assert!(read(&abs, "src/main.lm", Some(base)).is_ok());
    assert_path_denied(read(&abs, "../x", Some(base)), "../x", "/work/proj");
    let here = g(&[("path", json!("."))]);
    assert!(read(&here, "x", Some(base)).is_ok());
    assert!(read(&here, "x", None).is_ok());
    assert_path_denied(read(&here, "/etc/x", None), "/etc/x", ".");
    assert_path_denied(read(&here, "/etc/x", Some(base)), "/etc/x", ".");
}

#[test]
fn required_grant_missing_is_denied() {
    for tool in ["fs.read", "fs.write", "fs.list"] {
        let e = check_call(tool, "F", &[], &json!({"path": "/etc/shadow"}), &[], None);
        assert_denied(
            e,
            &[&format!(
                "tool F ({tool}): this tool requires a `path` grant (for example `grant F path \"...\"`)"
            )],
        );
    }
    assert_path_denied(read(&g(&[("path", json!("/d"))]), "", None), "", "/d");
    let no_arg = check_call(
        "fs.read",
        "Read",
        &g(&[("path", json!("/d"))]),
        &json!({}),
        &[],
        None,
    );
    assert_denied(no_arg, &["grant path needs a string `path` argument"]);
    let bad = g(&[("path", json!(true))]);
    assert_denied(
        read(&bad, "/d", None),
        &["grant path has an invalid value true (expected a string)"],
    );
    // A required key a provider adds is enforced too.
    let e = check_call("kv.get", "Kv", &[], &json!({}), &["bucket"], None);
    assert_denied(
        e,
        &["tool Kv (kv.get): this tool requires a `bucket` grant"],
    );
}

fn env(grants: &[(String, Value)], name: Value) -> Result<CallContext, ToolError> {
    check_call(
        "env.get",
        "Env",
        grants,
        &json!({ "name": name }),
        &[],
        None,
    )
}

#[test]
fn issue10_item11_env_get_without_a_name_grant_is_denied() {
    assert_denied(
        env(&[], json!("HOME")),
        &[
            "tool Env (env.get): this tool requires a `name` grant",
            "grant Env name",
        ],
    );
    // Other grants do not stand in for it.
    let other = g(&[("path", json!("/")), ("max_calls", json!(3))]);
    assert_denied(env(&other, json!("HOME")), &["requires a `name` grant"]);
}

#[test]
fn issue10_item11_env_get_name_allow_list() {
    let grants = g(&[("name", json!("HOME")), ("name", json!("LUMEN_*"))]);
    assert!(env(&grants, json!("HOME")).is_ok());
    assert!(env(&grants, json!("LUMEN_")).is_ok());
    assert!(env(&grants, json!("LUMEN_MODE")).is_ok());
    for name in [
        "home",
        "HOMEX",
        "HOM",
        "AWS_SECRET_ACCESS_KEY",
        "LUMEN",
        "XLUMEN_A",
        "",
    ] {
        assert_denied(
            env(&grants, json!(name)),
            &[
                &format!("tool Env (env.get): grant name denies `{name}`"),
                "(allowed: HOME, LUMEN_*)",
            ],
        );
    }
    let any = g(&[("name", json!("*"))]);
    assert!(env(&any, json!("ANYTHING")).is_ok());
    let list = g(&[("name", json!(["A", "B"]))]);
    assert!(env(&list, json!("B")).is_ok());
    // `*` only as the last character is a wildcard.
    let inner = g(&[("name", json!("A*B"))]);
    assert_denied(env(&inner, json!("AXB")), &["grant name denies `AXB`"]);
    let star = g(&[("name", json!("**"))]);
    assert_denied(env(&star, json!("X")), &["grant name denies `X`"]);
    assert_denied(
        env(&grants, json!(7)),
        &["grant name needs a string `name` argument"],
    );
    assert_denied(
        env(&g(&[("name", json!(1))]), json!("HOME")),
        &["grant name has an invalid value 1 (expected a string)"],
    );
    assert_denied(
        env(&grants, json!("HOME\0X")),
        &["grant name denies `HOME\\0X`"],
    );
}

#[test]
fn issue10_item11_name_is_only_standard_for_env_get() {
    // For another tool `name` is the provider's business, handed over untouched.
    let grants = g(&[("name", json!("only-this"))]);
    let ctx = check_call(
        "kv.get",
        "Kv",
        &grants,
        &json!({"name": "other"}),
        &[],
        None,
    )
    .unwrap();
    assert_eq!(
        ctx.extra_grants().collect::<Vec<_>>(),
        vec![("name", &json!("only-this"))]
    );
    let ctx = env(&grants, json!("only-this")).unwrap();
    assert_eq!(ctx.extra_grants().count(), 0);
}

#[test]
fn issue10_item11_time_now_needs_no_grant() {
    assert!(check_call("time.now", "Now", &[], &json!({}), &[], None).is_ok());
}

#[test]
fn normalize() {
    assert_eq!(
        normalize_path(Path::new("/a/./b/../c"), None),
        Some(PathBuf::from("/a/c"))
    );
    assert_eq!(
        normalize_path(Path::new("a/.."), None),
        Some(PathBuf::from("."))
    );
    assert_eq!(normalize_path(Path::new(".."), None), None);
    assert_eq!(normalize_path(Path::new(""), None), None);
    assert_eq!(
        normalize_path(Path::new("x/y"), Some(Path::new("/base"))),
        Some(PathBuf::from("/base/x/y"))
    );
}

#[test]
fn timeout_and_extra_keys_reach_the_context() {
    let grants = g(&[
        ("timeout_ms", json!(5000)),
        ("timeout_ms", json!(200)),
        ("model", json!("small")),
    ]);
    let ctx = check_call("ai.ask", "Ask", &grants, &json!({}), &[], None).unwrap();
    assert_eq!(ctx.timeout, Some(Duration::from_millis(200)));
    assert_eq!(ctx.alias, "Ask");
    assert_eq!(ctx.tool, "ai.ask");
    assert_eq!(
        ctx.extra_grants().collect::<Vec<_>>(),
        vec![("model", &json!("small"))]
    );
    let bad = g(&[("timeout_ms", json!(-1))]);
    assert_denied(
        check_call("a.b", "A", &bad, &json!({}), &[], None),
        &["tool A (a.b): grant timeout_ms has an invalid value -1 (expected a non-negative integer)"],
    );
}

#[test]
fn max_calls_is_counted_per_alias() {
    let grants = g(&[("max_calls", json!(2))]);
    let mut gate = ToolGate::with_base(None);
    let args = json!({"text": "x"});
    assert!(gate
        .authorize("echo.upper", "Shout", &grants, &args, &[])
        .is_ok());
    assert!(gate
        .authorize("echo.upper", "Shout", &grants, &args, &[])
        .is_ok());
    // Another alias has its own budget.
    assert!(gate
        .authorize("echo.upper", "Other", &grants, &args, &[])
        .is_ok());
    let e = gate
        .authorize("echo.upper", "Shout", &grants, &args, &[])
        .unwrap_err();
    assert_eq!(e.code(), "E0907");
    assert_eq!(
        e.message,
        "tool Shout (echo.upper): grant max_calls 2 exceeded"
    );
    assert_eq!(gate.calls("Shout"), 2);
    let zero = g(&[("max_calls", json!(0))]);
    assert_denied(
        gate.authorize("echo.upper", "Never", &zero, &args, &[]),
        &["tool Never (echo.upper): grant max_calls 0 exceeded"],
    );
    let bad = g(&[("max_calls", json!("two"))]);
    assert_denied(
        gate.authorize("echo.upper", "Bad", &bad, &args, &[]),
        &["tool Bad (echo.upper): grant max_calls has an invalid value \"two\""],
    );
}

#[test]
fn denied_calls_do_not_count() {
    let grants = g(&[("max_calls", json!(1)), ("domain", json!("a.com"))]);
    let mut gate = ToolGate::with_base(None);
    assert_denied(
        gate.authorize(
            "http.get",
            "F",
            &grants,
            &json!({"url": "https://b.com"}),
            &[],
        ),
        &["tool F (http.get): grant domain denies host `b.com`"],
    );
    assert_eq!(gate.calls("F"), 0);
    assert!(gate
        .authorize(
            "http.get",
            "F",
            &grants,
            &json!({"url": "https://a.com"}),
            &[]
        )
        .is_ok());
    assert_denied(
        gate.authorize(
            "http.get",
            "F",
            &grants,
            &json!({"url": "https://a.com"}),
            &[],
        ),
        &["grant max_calls 1 exceeded"],
    );
}
