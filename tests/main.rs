//! Integration tests: one binary, one module per area, all through the real `envm` binary.

mod support;

mod pins;
mod sandbox;
mod sandbox_escapes;
