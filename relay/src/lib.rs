//! socklab relay library: the server, sessions, operations, policy and labs.
pub mod config;
pub mod labs;
pub mod policy;
