//! Integration tests: one binary, one module per area, all through the real `envm` binary.

mod support;

mod activate;
mod auto_install;
mod bun_deno;
mod ci;
mod completions;
mod env_venv;
mod github_action;
mod install;
mod install_hardening;
mod install_safety;
mod lock_portable;
mod npm_registry;
mod pins;
mod project_env;
mod registry_rules;
mod sandbox;
mod sandbox_escapes;
mod sandbox_isolation;
mod sandbox_paths;
mod sandbox_secrets;
mod shim_passthrough;
mod shims;
mod signatures_e2e;
mod trust_gate;
mod upstream_formats;
mod verify_signatures;
mod workflow_cli;
mod workflow_shells;
