//! envm: a language-environment manager. Data flows one way through these modules:
//! pin ([`pins`]) → spec ([`spec`]) → resolve ([`resolve`]) → fetch → verify → unpack → link
//! → exec. [`cli`] is the `envm …` command line over them.

pub mod cli;
pub mod error;
pub mod fetch;
pub mod host;
pub mod index_cache;
pub mod install;
pub mod installed;
pub mod layout;
pub mod lockfile;
pub mod pins;
pub mod provider;
pub mod resolve;
pub mod spec;
pub mod tool;
pub mod unpack;
pub mod version;
