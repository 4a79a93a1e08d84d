//! envm: a language-environment manager. Data flows one way through these modules:
//! pin ([`pins`]) → spec ([`spec`]) → resolve ([`resolve`]) → fetch → verify → unpack → link
//! → exec ([`link`] keeps the shims, [`shim`] and [`exec`] run programs, [`activate`]
//! drives shell activation). [`cli`] is the `envm …` command line over them.

pub mod activate;
pub mod cli;
pub mod error;
pub mod exec;
pub mod fetch;
pub mod host;
pub mod index_cache;
pub mod install;
pub mod installed;
pub mod layout;
pub mod link;
pub mod lockfile;
pub mod pins;
pub mod project_env;
pub mod provider;
pub mod python_venv;
pub mod resolve;
pub mod sandbox;
pub mod shim;
pub mod spec;
pub mod tool;
pub mod unpack;
pub mod verify;
pub mod version;
