//! Unit tests of the connect and bind decisions, the exposed relay's rules and the
//! summaries, through `Policy`'s public API.

use super::*;

fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn rules(list: &[&str]) -> Vec<Rule> {
    list.iter().map(|s| s.parse().unwrap()).collect()
}

fn default_policy() -> Policy {
    Policy::new(vec![], vec![], None)
}

fn connect(p: &Policy, host: &str, addr: &str) -> Result<SocketAddr, Denial> {
    p.check_connect(host, sa(addr))
}

// ---- connect -------------------------------------------------------------

#[test]
fn connect_defaults_allow_loopback_on_any_port() {
    let p = default_policy();
    for a in [
        "127.0.0.1:20007",
        "127.0.0.1:1",
        "127.255.0.9:65535",
        "[::1]:22",
    ] {
        assert_eq!(connect(&p, "", a), Ok(sa(a)), "{a}");
    }
    assert_eq!(
        connect(&p, "localhost", "127.0.0.1:80"),
        Ok(sa("127.0.0.1:80"))
    );
}

#[test]
fn connect_outside_defaults_is_denied_with_the_flag_to_use() {
    let p = default_policy();
    let d = connect(&p, "10.0.0.5", "10.0.0.5:22").unwrap_err();
    assert_eq!(
        d.message,
        "connect to 10.0.0.5:22 is outside the addresses this relay may reach; connect \
         to one of the labs (e.g. the TCP echo lab) or to a server you started here"
    );
    assert_eq!(
        d.detail,
        "allowed targets (loopback 127.0.0.0/8, ::1); start the relay with \
         --allow-connect 10.0.0.5:22 to permit it"
    );
    let msg = connect(&p, "", "[2001:db8::1]:443")
        .unwrap_err()
        .to_string();
    assert!(msg.contains("--allow-connect [2001:db8::1]:443"), "{msg}");
    let msg = connect(&p, "example.org", "192.0.2.7:80")
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("connect to example.org:80 (192.0.2.7)"),
        "{msg}"
    );
    assert!(msg.contains("--allow-connect example.org:80"), "{msg}");
}

#[test]
fn connect_extra_rules_add_to_defaults() {
    let p = Policy::new(
        rules(&["10.0.0.0/8:22", "example.org:80-443"]),
        vec![],
        None,
    );
    assert!(connect(&p, "", "10.1.2.3:22").is_ok());
    assert!(connect(&p, "", "10.1.2.3:23").is_err());
    assert!(connect(&p, "", "11.0.0.1:22").is_err());
    assert!(connect(&p, "", "127.0.0.1:5").is_ok(), "defaults kept");
    // Host rules match the name used, case-insensitively, whatever it resolved to.
    assert!(connect(&p, "Example.ORG", "192.0.2.7:443").is_ok());
    assert!(connect(&p, "example.org", "192.0.2.7:8080").is_err());
    assert!(connect(&p, "www.example.org", "192.0.2.7:80").is_err());
    let msg = connect(&p, "", "10.0.0.1:80").unwrap_err().to_string();
    assert!(
        msg.contains("(loopback 127.0.0.0/8, ::1; 10.0.0.0/8:22, example.org:80-443)"),
        "{msg}"
    );
}

#[test]
fn connect_override_replaces_defaults() {
    let p = Policy::new(vec![], vec![], Some(rules(&["127.0.0.1"])));
    assert!(connect(&p, "", "127.0.0.1:20007").is_ok());
    let msg = connect(&p, "", "127.0.0.2:20007").unwrap_err().to_string();
    assert!(msg.contains("(127.0.0.1)"), "{msg}");
    assert!(msg.contains("--allow-connect 127.0.0.2:20007"), "{msg}");
    assert!(connect(&p, "", "[::1]:20007").is_err());

    let none = Policy::new(vec![], vec![], Some(vec![]));
    let msg = connect(&none, "", "127.0.0.1:1").unwrap_err().to_string();
    assert!(msg.contains("(none)"), "{msg}");

    let plus = Policy::new(rules(&["127.0.0.3"]), vec![], Some(vec![]));
    assert!(connect(&plus, "", "127.0.0.3:1").is_ok());
}

#[test]
fn connect_special_ranges_are_denied_even_by_catch_all_rules() {
    let open = Policy::new(rules(&["*", "0.0.0.0/0", "::/0"]), vec![], None);
    for (a, kind) in [
        ("169.254.1.1:80", "link-local"),
        ("[fe80::1]:80", "link-local"),
        ("169.254.169.254:80", "link-local / cloud metadata"),
        ("[fd00:ec2::254]:80", "cloud metadata"),
        ("100.100.100.200:80", "cloud metadata"),
        ("224.0.0.1:5353", "multicast"),
        ("239.1.2.3:9", "multicast"),
        ("[ff02::1]:9", "multicast"),
        ("255.255.255.255:9", "broadcast"),
        ("0.0.0.0:80", "unspecified"),
        ("[::]:80", "unspecified"),
        // IPv4-mapped IPv6 forms are the IPv4 address.
        ("[::ffff:169.254.169.254]:80", "link-local / cloud metadata"),
        ("[::ffff:a9fe:a9fe]:80", "link-local / cloud metadata"),
        ("[::ffff:100.100.100.200]:80", "cloud metadata"),
        ("[::ffff:224.0.0.1]:80", "multicast"),
        ("[::ffff:255.255.255.255]:80", "broadcast"),
        ("[::ffff:0.0.0.0]:80", "unspecified"),
        // NAT64 forms reach the IPv4 address through a gateway.
        ("[64:ff9b::a9fe:a9fe]:80", "link-local / cloud metadata"),
    ] {
        for p in [&default_policy(), &open] {
            let msg = connect(p, "", a).expect_err(a).to_string();
            assert!(
                msg.contains(&format!("is denied: {kind} addresses are blocked here"))
                    && msg.contains(&format!(
                        "[{kind} addresses are blocked unless a --allow-connect rule names them"
                    )),
                "{a}: {msg}"
            );
        }
        // A host-name rule never names a special address (DNS can point a
        // name anywhere).
        let by_name = Policy::new(rules(&["metadata.example"]), vec![], None);
        assert!(connect(&by_name, "metadata.example", a).is_err(), "{a}");
    }
    let d = connect(&default_policy(), "", "169.254.169.254:80").unwrap_err();
    assert!(
        d.message.starts_with(
            "connect to 169.254.169.254:80 is denied: link-local / cloud metadata \
             addresses are blocked here"
        ),
        "{d}"
    );
    assert!(
        d.detail.contains("--allow-connect 169.254.169.254:80"),
        "{d}"
    );
}

#[test]
fn a_rule_inside_a_special_range_names_it() {
    let exact = Policy::new(rules(&["169.254.169.254"]), vec![], None);
    assert!(connect(&exact, "", "169.254.169.254:80").is_ok());
    assert_eq!(
        connect(&exact, "", "[::ffff:169.254.169.254]:80"),
        Ok(sa("[::ffff:169.254.169.254]:80"))
    );
    assert!(connect(&exact, "", "169.254.1.1:80").is_err());

    let link = Policy::new(rules(&["169.254.0.0/16:80"]), vec![], None);
    assert!(connect(&link, "", "169.254.169.254:80").is_ok());
    assert!(connect(&link, "", "169.254.7.7:80").is_ok());
    assert!(
        connect(&link, "", "169.254.7.7:81").is_err(),
        "port must match"
    );

    for (rule, addr) in [
        ("fe80::/10", "[fe80::1]:80"),
        ("fd00:ec2::254", "[fd00:ec2::254]:80"),
        ("100.100.100.200:80", "100.100.100.200:80"),
        ("224.0.0.0/4", "224.0.0.251:5353"),
        ("ff02::1", "[ff02::1]:9"),
        ("255.255.255.255", "255.255.255.255:9"),
        ("0.0.0.0", "0.0.0.0:80"),
        ("::", "[::]:80"),
        ("[::ffff:169.254.169.254]:80", "169.254.169.254:80"),
        ("64:ff9b::a9fe:a9fe", "[64:ff9b::a9fe:a9fe]:80"),
    ] {
        let p = Policy::new(rules(&[rule]), vec![], None);
        assert!(connect(&p, "", addr).is_ok(), "{rule} names {addr}");
    }

    // A wider network that merely contains the range does not name it.
    for rule in [
        "169.0.0.0/8",
        "fd00::/8",
        "100.64.0.0/10",
        "224.0.0.0/3",
        "::/0",
    ] {
        let p = Policy::new(rules(&[rule]), vec![], None);
        for addr in [
            "169.254.169.254:80",
            "[fd00:ec2::254]:80",
            "100.100.100.200:80",
            "224.0.0.1:80",
            "[::]:80",
        ] {
            assert!(
                connect(&p, "", addr).is_err(),
                "{rule} must not name {addr}"
            );
        }
    }
    // ...while ordinary addresses in it are allowed.
    let p = Policy::new(rules(&["fd00::/8", "100.64.0.0/10"]), vec![], None);
    assert!(connect(&p, "", "[fd00:ec2::253]:80").is_ok());
    assert!(connect(&p, "", "100.100.100.201:80").is_ok());
}

#[test]
fn connect_normalises_ipv4_mapped_addresses() {
    let p = default_policy();
    assert_eq!(
        connect(&p, "", "[::ffff:127.0.0.1]:20007"),
        Ok(sa("[::ffff:127.0.0.1]:20007"))
    );
    let msg = connect(&p, "", "[::ffff:10.0.0.5]:22")
        .unwrap_err()
        .to_string();
    assert!(
        msg.starts_with("connect to 10.0.0.5:22 is outside"),
        "{msg}"
    );
    let only = Policy::new(vec![], vec![], Some(rules(&["127.0.0.1"])));
    assert!(connect(&only, "", "[::ffff:127.0.0.2]:80").is_err());
    // An IPv6 rule does not match the IPv4 address behind a mapped one.
    let v6 = Policy::new(rules(&["::ffff:0:0/96"]), vec![], Some(vec![]));
    assert_eq!(
        connect(&v6, "", "[::ffff:10.0.0.1]:80"),
        Ok(sa("[::ffff:10.0.0.1]:80")),
        "::ffff:0:0/96 is the mapped form of 0.0.0.0/0"
    );
}

#[test]
fn connect_to_port_zero_is_denied() {
    let p = Policy::new(rules(&["*"]), vec![], None);
    let msg = connect(&p, "", "127.0.0.1:0").unwrap_err().to_string();
    assert!(msg.contains("port 0"), "{msg}");
}

// ---- bind ----------------------------------------------------------------

#[test]
fn bind_defaults_allow_loopback_unprivileged_ports_and_zero() {
    let p = default_policy();
    for a in [
        "127.0.0.1:1024",
        "127.0.0.1:1051",
        "127.0.0.1:20178",
        "127.0.0.1:65535",
        "127.0.0.1:0",
        "127.3.4.5:5000",
        "[::1]:20178",
        "[::1]:0",
    ] {
        assert_eq!(p.check_bind(sa(a)), Ok(sa(a)), "{a}");
    }
    let d = p.check_bind(sa("192.168.1.5:20178")).unwrap_err();
    assert_eq!(
        d.message,
        "bind to 192.168.1.5:20178 is outside the local addresses this relay lets \
         sockets use; bind 127.0.0.1 (or ::1) instead, with a port from 1024 to 65535"
    );
    assert_eq!(
        d.detail,
        "allowed local addresses (loopback 127.0.0.0/8, ::1); start the relay with \
         --allow-bind 192.168.1.5:20178 to permit it"
    );
    let msg = p.check_bind(sa("192.168.1.5:0")).unwrap_err().to_string();
    assert!(msg.contains("--allow-bind 192.168.1.5 to"), "{msg}");
}

#[test]
fn bind_privileged_ports_are_explained() {
    let p = default_policy();
    for a in [
        "127.0.0.1:1",
        "127.0.0.1:80",
        "127.0.0.1:1023",
        "[::1]:22",
        "0.0.0.0:80",
    ] {
        let msg = p.check_bind(sa(a)).expect_err(a).to_string();
        assert!(
            msg.contains(
                "ports below 1024 are privileged: only root may bind them on a real \
                 system; pick a port from 1024 to 65535, e.g. 20178 [the relay \
                 refuses privileged ports; start the relay with --allow-bind"
            ),
            "{a}: {msg}"
        );
    }
    // Only a rule that names the port permits it.
    let wide = Policy::new(vec![], rules(&["*"]), None);
    assert!(wide.check_bind(sa("127.0.0.1:80")).is_err());
    let named = Policy::new(vec![], rules(&["127.0.0.1:80"]), None);
    assert_eq!(named.check_bind(sa("127.0.0.1:80")), Ok(sa("127.0.0.1:80")));
    assert!(named.check_bind(sa("127.0.0.1:81")).is_err());
}

#[test]
fn bind_reserved_ports_name_their_user() {
    let mut p = default_policy();
    p.reserve_port(20007, "tcp_echo lab");
    p.reserve_port(20007, "udp_echo lab");
    p.reserve_port(20007, "tcp_echo lab");
    p.reserve_port(8080, "web server");
    p.reserve_port(0, "nothing");
    let msg = p.check_bind(sa("127.0.0.1:20007")).unwrap_err().message;
    assert_eq!(
        msg,
        "bind to 127.0.0.1:20007 is denied: port 20007 is used by the relay's \
         tcp_echo lab and the relay's udp_echo lab; pick another port"
    );
    let msg = p.check_bind(sa("[::1]:8080")).unwrap_err().to_string();
    assert!(
        msg.contains("port 8080 is used by the relay's web server; pick another port"),
        "{msg}"
    );
    assert!(p.check_bind(sa("0.0.0.0:8080")).is_err());
    assert!(
        p.check_bind(sa("127.0.0.1:0")).is_ok(),
        "port 0 is never reserved"
    );
    assert!(p.check_bind(sa("127.0.0.1:20008")).is_ok());
    // Even a rule naming the port does not free it.
    let mut q = Policy::new(vec![], rules(&["*:20007"]), None);
    q.reserve_port(20007, "tcp_echo lab");
    assert!(q.check_bind(sa("127.0.0.1:20007")).is_err());
}

#[test]
fn bind_unspecified_maps_to_loopback_unless_named() {
    let p = default_policy();
    assert_eq!(p.check_bind(sa("0.0.0.0:20178")), Ok(sa("127.0.0.1:20178")));
    assert_eq!(p.check_bind(sa("0.0.0.0:0")), Ok(sa("127.0.0.1:0")));
    assert_eq!(p.check_bind(sa("[::]:20178")), Ok(sa("[::1]:20178")));
    assert_eq!(
        p.check_bind(sa("[::ffff:0.0.0.0]:20178")),
        Ok(sa("[::ffff:127.0.0.1]:20178"))
    );
    assert!(p.check_bind(sa("[::ffff:127.0.0.1]:80")).is_err());
    assert!(p.check_bind(sa("[::ffff:192.168.1.5]:20178")).is_err());

    let all = Policy::new(vec![], rules(&["*"]), None);
    assert_eq!(all.check_bind(sa("0.0.0.0:20178")), Ok(sa("0.0.0.0:20178")));
    assert_eq!(all.check_bind(sa("[::]:0")), Ok(sa("[::]:0")));
    assert_eq!(
        all.check_bind(sa("192.168.1.5:5000")),
        Ok(sa("192.168.1.5:5000"))
    );

    let v4 = Policy::new(vec![], rules(&["0.0.0.0"]), None);
    assert_eq!(v4.check_bind(sa("0.0.0.0:20178")), Ok(sa("0.0.0.0:20178")));
    assert_eq!(v4.check_bind(sa("[::]:20178")), Ok(sa("[::1]:20178")));
    assert!(v4.check_bind(sa("192.168.1.5:5000")).is_err());

    // A rule that names the unspecified address for some ports only.
    let ranged = Policy::new(vec![], rules(&["0.0.0.0:8000-9000"]), None);
    assert_eq!(
        ranged.check_bind(sa("0.0.0.0:8500")),
        Ok(sa("0.0.0.0:8500"))
    );
    assert_eq!(
        ranged.check_bind(sa("0.0.0.0:20178")),
        Ok(sa("127.0.0.1:20178"))
    );
    assert_eq!(ranged.check_bind(sa("0.0.0.0:0")), Ok(sa("127.0.0.1:0")));
}

#[test]
fn bind_extra_rules_add_to_defaults() {
    let p = Policy::new(
        vec![],
        rules(&["192.168.1.0/24:8000-9000", "fd00::/8"]),
        None,
    );
    assert!(p.check_bind(sa("192.168.1.5:8000")).is_ok());
    assert!(p.check_bind(sa("192.168.1.5:9001")).is_err());
    assert!(
        p.check_bind(sa("192.168.1.5:0")).is_err(),
        "port 0 could land outside the range"
    );
    assert!(p.check_bind(sa("[fd00::5]:0")).is_ok());
    assert!(p.check_bind(sa("127.0.0.1:20178")).is_ok(), "defaults kept");
    // Host rules never match a bind (bind checks addresses).
    let named = Policy::new(vec![], rules(&["myhost.example"]), None);
    assert!(named.check_bind(sa("192.168.1.5:5000")).is_err());
}

#[test]
fn bind_reserved_ranges_name_their_user() {
    let mut p = default_policy();
    p.reserve_range(21000, 21099, "ftp lab passive ports");
    for a in [
        "127.0.0.1:21000",
        "127.0.0.1:21050",
        "[::1]:21099",
        "0.0.0.0:21001",
    ] {
        assert!(p.check_bind(sa(a)).is_err(), "{a}");
    }
    let msg = p.check_bind(sa("127.0.0.1:21050")).unwrap_err().message;
    assert_eq!(
        msg,
        "bind to 127.0.0.1:21050 is denied: port 21050 is used by the relay's ftp \
         lab passive ports 21000-21099; pick another port"
    );
    assert!(p.check_bind(sa("127.0.0.1:20999")).is_ok());
    assert!(p.check_bind(sa("127.0.0.1:21100")).is_ok());
    assert!(
        p.check_bind(sa("127.0.0.1:0")).is_ok(),
        "port 0 is never reserved"
    );
    // A range and a single port on the same port are both named.
    p.reserve_port(21000, "chat lab");
    let msg = p.check_bind(sa("127.0.0.1:21000")).unwrap_err().to_string();
    assert!(
        msg.contains("the relay's chat lab and the relay's ftp lab passive ports"),
        "{msg}"
    );
    // Port 0 and empty ranges reserve nothing.
    let mut q = default_policy();
    q.reserve_range(0, 0, "nothing");
    q.reserve_range(5000, 4000, "nothing");
    assert!(q.check_bind(sa("127.0.0.1:4500")).is_ok());
    assert!(q.check_bind(sa("127.0.0.1:0")).is_ok());
    assert!(q.summary_bind().iter().all(|l| !l.contains("nothing")));
    assert!(p
        .summary_bind()
        .iter()
        .any(|l| l.contains("21000-21099 (ftp lab passive ports)")));
}

// ---- exposed relays --------------------------------------------------------

fn lab(name: &str, rule: &str) -> (String, Rule) {
    (name.to_string(), rule.parse().unwrap())
}

fn exposed(connect_extra: &[&str]) -> Policy {
    let mut p = Policy::new(rules(connect_extra), vec![], None);
    p.expose(vec![
        lab("tcp_echo lab", "127.0.0.1:20007"),
        lab("ftp lab passive ports", "127.0.0.1:21000-21099"),
    ]);
    p
}

#[test]
fn exposed_connect_reaches_only_labs_and_session_sockets() {
    let p = exposed(&[]);
    assert!(p.is_exposed());
    assert!(!default_policy().is_exposed());
    assert_eq!(
        connect(&p, "", "127.0.0.1:20007"),
        Ok(sa("127.0.0.1:20007"))
    );
    assert!(connect(&p, "localhost", "127.0.0.1:21042").is_ok());
    for a in [
        "127.0.0.1:22",
        "127.0.0.1:6379",
        "127.0.0.2:20007",
        "[::1]:631",
    ] {
        let msg = connect(&p, "", a).expect_err(a).to_string();
        assert!(
            msg.starts_with("PermissionError: [Errno 13] Permission denied: connect to "),
            "{a}: {msg}"
        );
    }
    let d = connect(&p, "", "127.0.0.1:22").unwrap_err();
    assert_eq!(
        d.message,
        "PermissionError: [Errno 13] Permission denied: connect to 127.0.0.1:22: \
         this relay is shared on the network, so it only lets you connect to its \
         labs and to sockets bound in this relay (labs: tcp_echo lab \
         127.0.0.1:20007, ftp lab passive ports 127.0.0.1:21000-21099; loopback \
         sockets bound in this relay)"
    );
    assert_eq!(
        d.detail,
        "an exposed relay allows only its labs and sockets bound in it; the \
         host can allow more by starting the relay with --allow-connect 127.0.0.1:22"
    );

    // A port bound by a session is reachable while the socket holds it.
    let lease = p.bound_ports().lease(sa("127.0.0.1:40000"));
    assert!(connect(&p, "", "127.0.0.1:40000").is_ok());
    assert_eq!(
        connect(&p, "", "[::ffff:127.0.0.1]:40000"),
        Ok(sa("[::ffff:127.0.0.1]:40000"))
    );
    assert!(connect(&p, "", "127.0.0.1:40001").is_err());
    drop(lease);
    assert!(
        connect(&p, "", "127.0.0.1:40000").is_err(),
        "released on drop"
    );

    // Clones (one per session task) share the registry.
    let clone = p.clone();
    let _held = p.bound_ports().lease(sa("[::1]:40002"));
    assert!(connect(&clone, "", "[::1]:40002").is_ok());

    // A loopback relay does not need the registry: every loopback port is open.
    assert!(connect(&default_policy(), "", "127.0.0.1:22").is_ok());
}

#[test]
fn exposed_connect_keeps_flag_rules_and_special_ranges() {
    let p = exposed(&["10.0.0.0/8:22", "127.0.0.1:6379"]);
    assert!(connect(&p, "", "10.1.2.3:22").is_ok());
    assert!(connect(&p, "", "127.0.0.1:6379").is_ok());
    let d = connect(&p, "", "10.1.2.3:23").unwrap_err();
    assert!(
        d.detail
            .contains("sockets bound in it, and --allow-connect 10.0.0.0/8:22, 127.0.0.1:6379;"),
        "{d}"
    );
    assert!(d.detail.ends_with("--allow-connect 10.1.2.3:23"), "{d}");
    let msg = connect(&p, "", "169.254.169.254:80")
        .unwrap_err()
        .to_string();
    assert!(msg.contains("cloud metadata"), "{msg}");
    let msg = connect(&p, "", "127.0.0.1:0").unwrap_err().to_string();
    assert!(msg.contains("port 0"), "{msg}");

    let mut none = Policy::new(vec![], vec![], None);
    none.expose(vec![]);
    let msg = connect(&none, "", "127.0.0.1:20007")
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("(no labs run; loopback sockets bound"),
        "{msg}"
    );
}

fn cases() -> u32 {
    crate::test_support::proptest_cases(128)
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(cases()))]

    /// On an exposed relay a loopback target is allowed exactly when it is a
    /// lab's or a session socket holds it; a loopback relay allows them all.
    #[test]
    fn exposed_loopback_connects_are_labs_or_held_sockets(
        last in 0u8..4,
        port in 1u16..,
        held in proptest::collection::vec((0u8..4, 1u16..), 0..6),
        pick in proptest::option::of(0usize..6),
        lab_port in proptest::sample::select(vec![20007u16, 21000, 21050, 21099, 21100]),
        use_lab in proptest::bool::ANY,
    ) {
        let p = exposed(&[]);
        let leases: Vec<PortLease> = held
            .iter()
            .filter_map(|(l, port)| {
                p.bound_ports().lease(SocketAddr::from(([127, 0, 0, *l], *port)))
            })
            .collect();
        let port = if use_lab { lab_port } else { port };
        let target = match pick {
            Some(i) if !held.is_empty() => {
                let (l, p) = held.get(i % held.len()).copied().unwrap_or((0, 1));
                SocketAddr::from(([127, 0, 0, l], p))
            }
            _ => SocketAddr::from(([127, 0, 0, last], port)),
        };
        let port = target.port();
        let lab = target.ip() == IpAddr::V4(Ipv4Addr::LOCALHOST) && (port == 20007 || (21000..=21099).contains(&port));
        let expected = lab || leases.iter().any(|l| l.addr() == target);
        proptest::prop_assert_eq!(p.check_connect("", target).is_ok(), expected);
        proptest::prop_assert!(default_policy().check_connect("", target).is_ok());
    }
}

#[test]
fn exposed_with_a_test_override_uses_only_the_override() {
    let mut p = Policy::new(vec![], vec![], Some(rules(&["127.0.0.1:5"])));
    p.expose(vec![lab("tcp_echo lab", "127.0.0.1:20007")]);
    assert!(connect(&p, "", "127.0.0.1:5").is_ok());
    assert!(connect(&p, "", "127.0.0.1:20007").is_err());
    let _l = p.bound_ports().lease(sa("127.0.0.1:40000"));
    assert!(connect(&p, "", "127.0.0.1:40000").is_err());
    let msg = connect(&p, "", "127.0.0.1:6").unwrap_err().to_string();
    assert!(
        msg.starts_with("connect to 127.0.0.1:6 is outside"),
        "{msg}"
    );
}

#[test]
fn exposed_summary_describes_the_effective_rules() {
    let c = exposed(&["10.0.0.0/8:22"]).summary_connect();
    assert_eq!(c[0], "127.0.0.1, port 20007 (tcp_echo lab)");
    assert_eq!(c[1], "127.0.0.1, ports 21000-21099 (ftp lab passive ports)");
    assert_eq!(c[2], "10.0.0.0/8, port 22 (--allow-connect 10.0.0.0/8:22)");
    assert_eq!(
        c[3],
        "loopback ports bound by sockets in this relay, while they are open (the \
         relay is shared on the network, so other loopback ports are not reachable; \
         the host widens this with --allow-connect)"
    );
    assert!(c[4].starts_with("blocked unless a --allow-connect rule names them:"));
    assert!(!c.iter().any(|l| l.contains("loopback, default")), "{c:?}");
}

// ---- summaries -----------------------------------------------------------

#[test]
fn summaries_describe_the_rules() {
    let mut p = Policy::new(rules(&["10.0.0.0/8:22"]), rules(&["*"]), None);
    p.reserve_port(20007, "tcp_echo lab");
    let c = p.summary_connect();
    assert_eq!(c[0], "127.0.0.0/8, any port (loopback, default)");
    assert_eq!(c[1], "::1, any port (loopback, default)");
    assert_eq!(c[2], "10.0.0.0/8, port 22 (--allow-connect 10.0.0.0/8:22)");
    assert!(c[3].starts_with("blocked unless a --allow-connect rule names them:"));
    assert!(c[3].contains("169.254.169.254"), "{}", c[3]);
    assert!(c[3].contains("broadcast 255.255.255.255"), "{}", c[3]);

    let b = p.summary_bind();
    assert_eq!(
        b[0],
        "127.0.0.0/8, ports 1024-65535 or 0 (loopback, default)"
    );
    assert_eq!(b[2], "any address, any port (--allow-bind *)");
    assert_eq!(b[3], "\"\", 0.0.0.0 and :: bind all interfaces");
    assert!(b.iter().any(|l| l.contains("below 1024")));
    assert!(b.iter().any(|l| l.contains("20007 (tcp_echo lab)")));

    let d = default_policy().summary_bind();
    assert!(
        d.iter().any(|l| l.contains("0.0.0.0 bind 127.0.0.1")),
        "{d:?}"
    );

    let o = Policy::new(vec![], vec![], Some(rules(&["127.0.0.1"]))).summary_connect();
    assert_eq!(o[0], "127.0.0.1, any port (test override)");
}

#[test]
fn denial_displays_its_message_then_its_detail() {
    let d = Denial {
        message: "m".into(),
        detail: "d".into(),
    };
    assert_eq!(d.to_string(), "m [d]");
    let e = shared::ErrorBody::from(d);
    assert_eq!(e.code, "not_allowed");
    assert_eq!((e.message.as_str(), e.detail.as_deref()), ("m", Some("d")));
}

/// Every denial speaks to the learner in `message` (no relay flags) and names
/// the flag or the rule for the host in `detail`.
#[test]
fn learner_words_in_the_message_flags_in_the_detail() {
    let mut loopback = default_policy();
    loopback.reserve_port(20007, "tcp_echo lab");
    let exposed = exposed(&[]);
    let denials = [
        loopback.check_bind(sa("127.0.0.1:80")).unwrap_err(),
        loopback.check_bind(sa("192.168.1.5:20178")).unwrap_err(),
        loopback.check_bind(sa("127.0.0.1:20007")).unwrap_err(),
        connect(&loopback, "", "10.0.0.5:22").unwrap_err(),
        connect(&loopback, "", "169.254.169.254:80").unwrap_err(),
        connect(&loopback, "", "127.0.0.1:0").unwrap_err(),
        connect(&exposed, "", "127.0.0.1:22").unwrap_err(),
    ];
    for d in denials {
        assert!(!d.message.contains("--allow"), "message: {d:?}");
        assert!(!d.detail.is_empty(), "detail: {d:?}");
    }
    let d = loopback.check_bind(sa("127.0.0.1:80")).unwrap_err();
    assert!(
        d.message.contains("pick a port from 1024 to 65535"),
        "{d:?}"
    );
    assert!(d.detail.contains("--allow-bind 127.0.0.1:80"), "{d:?}");
}
