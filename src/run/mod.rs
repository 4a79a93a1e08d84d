//! The run stage: what happens when a toolchain program is started — through a shim
//! ([`shim`]: argv[0] → pin → installed version → `execve`), through `envm exec` ([`exec`]),
//! or by a shell whose PATH activation keeps current ([`activate`]). A package manager run
//! through a shim refreshes the shims when it returns ([`watched`]). The shim binary
//! (`src/bin/envm-shim.rs`) allocates from [`arena`].

pub mod activate;
pub mod arena;
pub mod exec;
pub mod shim;
pub mod user_venv;
pub mod watched;
