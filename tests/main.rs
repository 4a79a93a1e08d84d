//! Integration tests: one binary, one module per area, all through the real `envm` binary.

mod support;

mod activate;
mod pins;
mod shims;
