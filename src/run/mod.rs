//! The run stage: what happens when a toolchain program is started — through a shim
//! ([`shim`]: argv[0] → pin → installed version → `execve`), through `envm exec` ([`exec`]),
//! or by a shell whose PATH activation keeps current ([`activate`]).

pub mod activate;
pub mod exec;
pub mod shim;
