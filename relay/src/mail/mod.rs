//! The mail clients behind the `smtp.*` and `pop3.*` ops (Python's `smtplib` and
//! `poplib`), and the byte-level helpers the mail labs share with them.
//!
//! - `engine.rs`: one handle's queue of calls ([`MailConn`]);
//! - `link.rs`: the connection, its policy check and its wire log;
//! - `smtp.rs` / `pop3.rs`: smtplib's and poplib's methods;
//! - `quote.rs`: addresses, headers and Python's `repr` of bytes;
//! - `dot.rs`: dot-stuffing and line ends;
//! - `lines.rs`: bounded line reading.

pub mod dot;
mod engine;
pub mod lines;
mod link;
pub mod pop3;
mod quote;
pub mod smtp;

pub use engine::{Job, MailConn, MailDone};
