//! Integration tests of the probe against real servers on loopback. One test binary
//! (modules below) so the workspace links the network stack once.

mod dns;
mod http;
mod registration;
mod ssrf;
mod support;
