//! `socklab --class`: the preset for hosting a room of 30–300 learners
//! (docs/class-hosting.md, "The class preset").
//!
//! Owns the preset's values and why each was chosen, and [`apply`], which sets
//! them on a [`Config`] except where the host gave the flag explicitly: every
//! explicit flag overrides the preset. It performs no I/O.

use crate::config::Config;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

/// All interfaces, port 8080: the room reaches the teacher's machine.
pub const LISTEN: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::UNSPECIFIED), 8080);
/// A large room, with a tab or two per learner.
pub const MAX_SESSIONS: u32 = 300;
/// A classroom behind one NAT shows the relay one address for everyone: 64
/// lets a NATed room of 30 open two tabs each, while one machine on an open
/// network cannot take more than about a fifth of the relay. A bigger NATed
/// room raises it with `--max-sessions-per-ip`.
pub const MAX_SESSIONS_PER_IP: u32 = 64;
/// The article's biggest exercise (a `select` server with three clients) needs
/// eight handles; 32 leaves room to experiment and bounds the room's
/// descriptors (300 × 32).
pub const MAX_HANDLES: u32 = 32;
/// A lesson: a tab left open after class is closed within the hour.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60 * 60);
/// Time to type the join token the page asks for (the default 10 s suits a
/// script, not a learner reading it off the board).
pub const AUTH_TIMEOUT: Duration = Duration::from_secs(60);

/// The flags (clap ids) the preset sets, so that `main.rs` can tell which of
/// them the host gave.
pub const FLAGS: [&str; 6] = [
    "listen",
    "max_sessions",
    "max_sessions_per_ip",
    "max_handles",
    "idle_timeout",
    "auth_timeout",
];

/// Applies the class preset to `config`, leaving every setting whose flag the
/// host gave (`given("max_sessions")` …) as it is. Port spaces and the narrowed
/// connect policy are always on; a join token is required.
pub fn apply(config: &mut Config, given: impl Fn(&str) -> bool) -> Result<(), String> {
    if config.token.is_none() {
        return Err(
            "--class needs a join token, so that only your class can use the relay: \
             write one to a file and start with --class --token-file PATH (or set \
             SOCKLAB_TOKEN), then give the token to your learners; the page asks \
             for it once per tab"
                .to_string(),
        );
    }
    config.class = true;
    config.port_spaces = true;
    if !given("listen") {
        config.listen = LISTEN;
    }
    let limits = &mut config.limits;
    if !given("max_sessions") {
        limits.max_sessions = MAX_SESSIONS;
    }
    if !given("max_sessions_per_ip") {
        limits.max_sessions_per_ip = MAX_SESSIONS_PER_IP;
    }
    if !given("max_handles") {
        limits.max_handles = MAX_HANDLES;
    }
    if !given("idle_timeout") {
        limits.idle_timeout = IDLE_TIMEOUT;
    }
    if !given("auth_timeout") {
        config.budget.auth_timeout = AUTH_TIMEOUT;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_token() -> Config {
        let mut c = Config::new("127.0.0.1:8080".parse().unwrap());
        c.token = Some("class-token".into());
        c
    }

    #[test]
    fn the_preset_needs_a_token_and_says_how_to_give_one() {
        let mut c = Config::new("127.0.0.1:8080".parse().unwrap());
        let e = apply(&mut c, |_| false).unwrap_err();
        assert!(e.starts_with("--class needs a join token"), "{e}");
        assert!(
            e.contains("--token-file PATH") && e.contains("SOCKLAB_TOKEN"),
            "{e}"
        );
        assert!(!c.class && !c.port_spaces, "nothing applied");
    }

    #[test]
    fn the_preset_sets_a_rooms_values() {
        let mut c = with_token();
        apply(&mut c, |_| false).unwrap();
        assert!(c.class && c.port_spaces && c.is_exposed());
        assert_eq!(c.listen, LISTEN);
        assert_eq!(c.limits.max_sessions, 300);
        assert_eq!(c.limits.max_sessions_per_ip, 64);
        assert_eq!(c.limits.max_handles, 32);
        assert_eq!(c.limits.idle_timeout, IDLE_TIMEOUT);
        assert_eq!(c.budget.auth_timeout, AUTH_TIMEOUT);
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn every_explicit_flag_overrides_the_preset() {
        let mut c = with_token();
        c.limits.max_sessions = 40;
        c.limits.max_handles = 8;
        apply(&mut c, |f| FLAGS.contains(&f)).unwrap();
        assert_eq!(c.listen, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(c.limits.max_sessions, 40);
        assert_eq!(c.limits.max_handles, 8);
        assert_eq!(c.limits.max_sessions_per_ip, 16, "the default, as given");
        assert!(
            c.class && c.port_spaces,
            "isolation is not a flag to forget"
        );
        assert!(c.is_exposed(), "narrowed even on a loopback --listen");
    }
}
