//! STUB — being written by the policy helper. Interface is fixed.
use std::net::SocketAddr;
use std::str::FromStr;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule;

impl FromStr for Rule {
    type Err = String;
    fn from_str(_s: &str) -> Result<Self, Self::Err> {
        Ok(Rule)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Denial(pub String);

#[derive(Clone, Debug)]
pub struct Policy;

impl Policy {
    pub fn new(
        _connect_extra: Vec<Rule>,
        _bind_extra: Vec<Rule>,
        _connect_override: Option<Vec<Rule>>,
    ) -> Policy {
        Policy
    }
    pub fn reserve_port(&mut self, _port: u16, _what: &str) {}
    pub fn check_connect(&self, _host: &str, addr: SocketAddr) -> Result<SocketAddr, Denial> {
        Ok(addr)
    }
    pub fn check_bind(&self, addr: SocketAddr) -> Result<SocketAddr, Denial> {
        Ok(addr)
    }
    pub fn summary_connect(&self) -> Vec<String> {
        vec![]
    }
    pub fn summary_bind(&self) -> Vec<String> {
        vec![]
    }
}

#[derive(Clone, Debug)]
pub struct OriginPolicy;

impl OriginPolicy {
    pub fn new(_extra: Vec<String>) -> OriginPolicy {
        OriginPolicy
    }
    pub fn check(&self, _origin: Option<&str>, _host: Option<&str>) -> Result<(), String> {
        Ok(())
    }
}
