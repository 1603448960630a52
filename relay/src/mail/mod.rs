//! The mail clients behind the `smtp.*` and `pop3.*` ops (Python's `smtplib` and
//! `poplib`), and the byte-level helpers the mail labs share with them.
//!
//! - `dot.rs`: dot-stuffing and line ends;
//! - `lines.rs`: bounded line reading.

pub mod dot;
pub mod lines;
